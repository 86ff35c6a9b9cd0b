"""Finding a data file, proving it is the right one (sha256), and downloading it (pooch) when allowed.

Resolution order for one file (DESIGN.md, "Data"):
  1. an explicit ``path=`` (a file, or a folder holding it) -- if given, the only place looked;
  2. ``$TINYNN_DATA/<folder>/<name>`` (CI points it at the staged data);
  3. ``<repository>/data/<folder>/<name>`` (outside a source checkout: pooch's user cache,
     ``~/.cache/tinynn`` on Linux);
  4. a download from the original public URL into that folder (where a URL exists).

A file is only ever returned after its sha256 matched (the one exception: a user's full UCI
HIGGS/SUSY file, for which no reference hash exists; the loaders say so). For gzip files a second
checksum of the decompressed content is also accepted, because the same bytes re-compressed by
another gzip (e.g. the original MNIST site versus our `gzip -n -9` copy) give a different file hash.
Verification happens once per process per file: the verified (path, size, mtime) is cached.

pooch does the download (streamed into a temporary file, hash-checked, then moved), the hashing
and the progress bar; what is ours is the search order, the gzip content check, compressing files
a server sends raw, and the error that says where to get a file.
"""
import gzip
import hashlib
import logging
import os
import shutil
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .._progress import progress_bar, wanted
from ._files import DatasetNotFoundError, publish  # noqa: F401 (re-exported)

CHUNK = 1 << 20
_VERIFIED = {}  # (resolved path, expected sha256) -> (size, mtime_ns) of a file that matched it


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


def cache_data_dir():
    """pooch's per-user cache for tinynn (``~/.cache/tinynn`` on Linux): where downloads go when
    tinynn is installed rather than run from a checkout."""
    import pooch
    return Path(pooch.os_cache("tinynn"))


def env_data_dir():
    """``$TINYNN_DATA`` as an absolute path (relative values are taken from the working directory)."""
    value = os.environ.get("TINYNN_DATA")
    return Path(value).expanduser().resolve() if value else None


def sha256_of(path, decompress=False):
    """Hex sha256 of a file's bytes (pooch.file_hash), or of its gzip-decompressed content."""
    if not decompress:
        import pooch
        return pooch.file_hash(str(path), alg="sha256")
    h = hashlib.sha256()
    with gzip.open(path, "rb") as fh:
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
    why = "a corrupt, changed or other file"
    if f.size is not None and stat.st_size < f.size:
        why = f"{stat.st_size:,} of {f.size:,} bytes: truncated, e.g. an interrupted download"
    return f"{path}: sha256 {got} does not match the expected {f.sha256} ({why})"


def _roots():
    """$TINYNN_DATA, then the repository's data/ (or, outside a checkout, the user cache)."""
    roots = [env_data_dir(), repo_data_dir() or cache_data_dir()]
    return [r for i, r in enumerate(roots) if r is not None and r not in roots[:i]]


def candidates(f, path=None):
    """The places ``f`` is looked for, in order (the explicit path, when given, is the only one)."""
    if path is not None:
        path = Path(path).expanduser().absolute()
        return [path] if path.is_file() else [path / f.name, path / f.key]
    return [root / f.key for root in _roots()]


def locate(f, path=None, download=True, progress=None):
    """Path of a verified copy of ``f``; downloads it into ``download_target(f)`` if allowed.

    A corrupt copy is skipped with a warning (a later location may hold a good one) and named in
    the error if no good copy turns up; a checksum mismatch never returns data. ``progress``: the
    download's bar (None: on a terminal, when it takes a few seconds; True; False).
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
    if path is None and download and f.urls:
        for url in f.urls:
            try:
                return fetch(url, download_target(f), f, progress=progress)
            except (OSError, ValueError) as err:  # requests' errors are OSErrors
                problems.append(f"download from {url} failed: {err}")
    raise DatasetNotFoundError(not_found_message(f, looked, problems))


def download_target(f):
    """Where a download of ``f`` is written: the repository's data/, else $TINYNN_DATA, else the
    user cache."""
    root = repo_data_dir() or env_data_dir() or cache_data_dir()
    return root / f.key


def not_found_message(f, looked, problems=()):
    """The one error text: which file, where we looked, expected sha256, where to get it."""
    lines = [f"data file {f.key!r} not found (or not verified)."]
    lines += ["looked in:"] + [f"  {p}" for p in looked] if looked else ["looked in: nowhere (no path given)"]
    setting, env = os.environ.get("TINYNN_DATA"), env_data_dir()
    if setting and not Path(setting).expanduser().is_absolute() and any(env in p.parents for p in looked):
        lines.append(f"note: TINYNN_DATA={setting!r} is a relative path; it is resolved from the working "
                     f"directory ({Path.cwd()}), giving {env}; set an absolute path to "
                     f"find the data from anywhere")
    lines += [f"problem: {p}" for p in problems]
    lines.append(f"expected sha256: {f.sha256 or 'none known (user-supplied file)'}")
    if f.urls:
        lines.append("original URL(s): " + ", ".join(f.urls))
    if f.howto:
        lines.append(f"how to get it: {f.howto}")
    lines.append("then put it at $TINYNN_DATA/" + f.key + " (or <repo>/data/" + f.key + ", or pass path=)")
    return "\n".join(lines)


@contextmanager
def _pooch_quiet():
    """Silence pooch's "Downloading file ..." log lines: the progress bar says it, when wanted."""
    import pooch
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield pooch
    finally:
        logger.setLevel(level)


def fetch(url, dest, f, progress=None, timeout=60):
    """Download ``url`` to ``dest`` with pooch, verified, atomically; returns ``dest``.

    pooch streams the bytes into a temporary folder beside ``dest`` and checks the sha256 the server's
    bytes must have: ``f.sha256``, or ``f.content_sha256`` for a raw file we store gzipped (it is
    compressed here). A .gz served as .gz may come from another gzip encoder, so it is checked by
    its decompressed content. Only a verified file is moved to ``dest``, with the umask's mode; on
    any failure nothing is left behind.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_downloads(dest)
    raw = dest.name.endswith(".gz") and not url.split("?")[0].endswith(".gz")
    known = f.content_sha256 if raw else (None if f.content_sha256 else f.sha256)
    bar = (progress_bar(total=1, desc=f"downloading {dest.name}", unit="B", unit_scale=True,
                        progress=progress) if wanted(progress) else None)  # pooch sets the total
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp, _pooch_quiet() as pooch:
        downloader = pooch.HTTPDownloader(progressbar=False if bar is None else bar, timeout=timeout)
        try:
            got = Path(pooch.retrieve(url, known_hash=known and f"sha256:{known}", fname=dest.name,
                                      path=tmp, downloader=downloader))
        except ValueError as err:
            raise ValueError(f"downloaded file rejected: {err}") from None
        finally:
            if bar is not None:
                bar.close()
        if raw:
            got = _gzip(got, Path(tmp) / (dest.name + ".part"))
        if known is None:
            problem = checksum_problem(got, f)
            if problem is not None:
                raise ValueError(f"downloaded file rejected: {problem.replace(str(got), url)}")
        publish(got, dest)
    _VERIFIED[(str(dest.resolve()), f.sha256)] = (dest.stat().st_size, dest.stat().st_mtime_ns)
    return dest


STALE_SECONDS = 600


def _remove_stale_downloads(dest):
    """Remove the temporary folders that killed downloads of ``dest`` left behind (``.<name>.*``
    beside it), so they do not pile up; one in which nothing changed for ``STALE_SECONDS`` is
    stale, so a download still running in another process is left alone."""
    for tmp in dest.parent.glob(f".{dest.name}.*"):
        try:
            newest = max([p.stat().st_mtime for p in tmp.rglob("*")] + [tmp.stat().st_mtime])
        except OSError:
            continue
        if tmp.is_dir() and time.time() - newest > STALE_SECONDS:
            shutil.rmtree(tmp, ignore_errors=True)


def _gzip(src, dest):
    """Compress ``src`` into ``dest`` (gzip level 9, no name or time in the header)."""
    with open(src, "rb") as fin, open(dest, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for block in iter(lambda: fin.read(CHUNK), b""):
            out.write(block)
    return dest
