"""Finding a data file, proving it is the right one (sha256), and downloading it when allowed.

Resolution order for one file (DESIGN.md, "Data"):
  1. an explicit ``path=`` (a file, or a folder holding it) -- if given, the only place looked;
  2. ``$TINYNN_DATA/<folder>/<name>`` (CI points it at the staged data);
  3. ``<repository>/data/<folder>/<name>``;
  4. a download from the original public URL into ``<repository>/data/`` (where a URL exists).

A file is only ever returned after its sha256 matched (the one exception: a user's full UCI
HIGGS/SUSY file, for which no reference hash exists; the loaders say so). For gzip files a second checksum of the
decompressed content is also accepted, because the same bytes re-compressed by another gzip
(e.g. the original MNIST site versus our `gzip -n -9` copy) give a different file hash.
Verification happens once per process per file: the verified (path, size, mtime) is cached.
"""
import gzip
import hashlib
import os
import sys
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
_VERIFIED = {}  # (resolved path, expected sha256) -> (size, mtime_ns) of a file that matched it


class DatasetNotFoundError(FileNotFoundError):
    """No verified copy of a data file: says which file, where we looked, what sha256 we expect and
    where to get it. Raised for missing files and for files whose checksum does not match."""


@dataclass(frozen=True)
class DataFile:
    """One file of a data set, as staged under ``<data root>/<key>``.

    sha256: hash of the file's bytes (None for user-supplied files no reference hash is known for).
    content_sha256: for ``.gz`` files, hash of the decompressed bytes (accepts other gzip encoders).
    urls: original public URLs, tried in order; a URL without ``.gz`` serves raw bytes, which are
      gzip-compressed on the way to disk when ``key`` ends in ``.gz``.
    howto: how to obtain the file when there is no URL (or it failed).
    """
    key: str
    sha256: str = None
    content_sha256: str = None
    size: int = None
    urls: tuple = ()
    howto: str = ""

    @property
    def name(self):
        return self.key.rsplit("/", 1)[-1]


def repo_data_dir():
    """``<repository>/data`` when tinynn runs from a source checkout, else None."""
    repo = Path(__file__).resolve().parents[2]
    return repo / "data" if (repo / "pyproject.toml").exists() else None


def env_data_dir():
    """``$TINYNN_DATA`` as an absolute path (relative values are taken from the working directory)."""
    value = os.environ.get("TINYNN_DATA")
    return Path(value).expanduser().resolve() if value else None


def sha256_of(path, decompress=False):
    """Hex sha256 of a file's bytes, or of its gzip-decompressed content."""
    h = hashlib.sha256()
    opener = gzip.open if decompress else open
    with opener(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def checksum_problem(path, f):
    """None if ``path`` holds the bytes ``f`` describes, else a sentence saying what is wrong."""
    path = Path(path)
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    key = (str(path.resolve()), f.sha256)
    if f.sha256 is None or _VERIFIED.get(key) == stamp:
        return None
    got = sha256_of(path)
    ok = got == f.sha256
    if not ok and f.content_sha256 is not None:
        try:
            ok = sha256_of(path, decompress=True) == f.content_sha256
        except (OSError, EOFError, gzip.BadGzipFile):
            ok = False
    if ok:
        _VERIFIED[key] = stamp
        return None
    return f"{path}: sha256 {got} does not match the expected {f.sha256}"


def candidates(f, path=None):
    """The places ``f`` is looked for, in order (the explicit path, when given, is the only one)."""
    if path is not None:
        path = Path(path).expanduser()
        return [path] if path.is_file() else [path / f.name, path / f.key]
    roots = [d for d in (env_data_dir(), repo_data_dir()) if d is not None]
    return [root / f.key for root in roots]


def locate(f, path=None, download=True, progress=True):
    """Path of a verified copy of ``f``; downloads it into the repository's data/ if allowed.

    A corrupt copy is skipped with a warning (a later location may hold a good one) and named in
    the error if no good copy turns up; a checksum mismatch never returns data.
    """
    looked, problems = candidates(f, path), []
    for p in looked:
        if p.is_file():
            problem = checksum_problem(p, f)
            if problem is None:
                return p
            problems.append(problem)
            if path is None:
                warnings.warn(f"skipping corrupt copy: {problem}", stacklevel=2)
    target = download_target(f)
    if path is None and download and f.urls and target is not None:
        for url in f.urls:
            try:
                return fetch(url, target, f, progress=progress)
            except (OSError, ValueError) as err:  # URLError is an OSError
                problems.append(f"download from {url} failed: {err}")
    raise DatasetNotFoundError(not_found_message(f, looked, problems))


def download_target(f):
    """Where a download of ``f`` is written: the repository's data/, else $TINYNN_DATA, else None."""
    root = repo_data_dir() or env_data_dir()
    return None if root is None else root / f.key


def not_found_message(f, looked, problems=()):
    """The one error text: which file, where we looked, expected sha256, where to get it."""
    lines = [f"data file {f.key!r} not found (or not verified)."]
    lines += ["looked in:"] + [f"  {p}" for p in looked] if looked else ["looked in: nowhere (no path given)"]
    lines += [f"problem: {p}" for p in problems]
    lines.append(f"expected sha256: {f.sha256 or 'none known (user-supplied file)'}")
    if f.urls:
        lines.append("original URL(s): " + ", ".join(f.urls))
    if f.howto:
        lines.append(f"how to get it: {f.howto}")
    lines.append("then put it at $TINYNN_DATA/" + f.key + " (or <repo>/data/" + f.key + ", or pass path=)")
    return "\n".join(lines)


def fetch(url, dest, f, progress=True, timeout=60):
    """Download ``url`` to ``dest`` atomically: stream into a temporary file beside ``dest``, check
    the sha256, then rename. On any failure the temporary file is removed and nothing is left."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    compress = dest.name.endswith(".gz") and not url.split("?")[0].endswith(".gz")
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, os.fdopen(fd, "wb") as raw:
            total = int(response.headers.get("Content-Length") or 0)
            sink = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if compress else raw
            with sink:
                _copy_with_progress(response, sink, total, dest.name if progress else None)
        problem = checksum_problem(tmp, f)
        if problem is not None:
            raise ValueError(f"downloaded file rejected: {problem.replace(tmp, url)}")
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _VERIFIED.pop((str(Path(tmp).resolve()), f.sha256), None)
    _VERIFIED[(str(dest.resolve()), f.sha256)] = (dest.stat().st_size, dest.stat().st_mtime_ns)
    return dest


def _copy_with_progress(src, dst, total, label):
    """Copy a stream in 1 MiB blocks, printing ``label: 42% (4.1/9.7 MB)`` to stderr when labelled."""
    done = 0
    for block in iter(lambda: src.read(CHUNK), b""):
        dst.write(block)
        done += len(block)
        if label:
            frac = f"{100 * done / total:3.0f}% " if total else ""
            size = f"{done / 1e6:.1f}" + (f"/{total / 1e6:.1f}" if total else "")
            print(f"\rdownloading {label}: {frac}({size} MB)", end="", file=sys.stderr, flush=True)
    if label:
        print(file=sys.stderr)


def open_maybe_gzip(path, mode="rb"):
    """Open a file, transparently decompressing when its name ends in .gz."""
    return gzip.open(path, mode) if str(path).endswith(".gz") else open(path, mode)

