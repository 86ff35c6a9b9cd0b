"""The examples keep working: every script in examples/ runs in quick mode, every exercise ID of the index
(examples/README.md) gets a result row from its script, every row's sanity check passes, and every figure
it names is a PNG on disk. Also the runner: its results table and its exit status."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
_spec = importlib.util.spec_from_file_location("run_all", EXAMPLES / "run_all.py")
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)

SCRIPTS = run_all.example_scripts()
ENV = dict(os.environ, MPLBACKEND="Agg")
if "TINYNN_DATA" not in ENV and (REPO.parent / "shared" / "data").is_dir():
    ENV["TINYNN_DATA"] = str(REPO.parent / "shared" / "data")  # the staged data beside the checkout


def index():
    """{script file name: [exercise IDs]} from the tables of examples/README.md (rows naming a script)."""
    rows = {}
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*([^|`]+?)\s*\|\s*`([\w.]+\.py)`\s*\|", line)
        if m:
            rows.setdefault(m.group(2), []).append(m.group(1))
    return rows


INDEX = index()


def test_index_and_scripts_match():
    """Every script of the index exists, and every example script is in the index."""
    names = {p.name for p in SCRIPTS}
    assert INDEX, "examples/README.md has no index rows"
    assert not set(INDEX) - names, f"index names missing scripts: {sorted(set(INDEX) - names)}"
    assert not names - set(INDEX), f"scripts not in examples/README.md: {sorted(names - set(INDEX))}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_quick_mode(script, tmp_path):
    proc = subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path), "--seed", "0"],
                          capture_output=True, text=True, env=ENV, timeout=900)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    record = json.loads((tmp_path / "results" / f"{script.stem}.json").read_text(encoding="utf-8"))
    assert record["quick"] is True and record["rows"], "no result rows"
    ids = [r["id"] for r in record["rows"]]
    assert len(ids) == len(set(ids)), f"duplicate result IDs {ids}"
    missing = [i for i in INDEX.get(script.name, []) if i not in ids]
    assert not missing, f"{script.name}: no result row for {missing} (rows: {ids})"
    for r in record["rows"]:
        assert r["check"], f"{r['id']}: sanity check failed: {r['numbers']}"
        assert r["numbers"], f"{r['id']}: no numbers"
        for f in r["figures"]:
            path = Path(f)
            assert path.is_file(), f"{r['id']}: figure {f} missing"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{r['id']}: {f} is not a PNG"
            assert tmp_path in path.resolve().parents, f"{r['id']}: figure {f} is outside --out"


def _record(out, script, rows):
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "results" / f"{script}.json").write_text(json.dumps(dict(script=script, quick=True, seconds=0.1, rows=rows)))


def test_results_table_has_one_row_per_result(tmp_path):
    fig = tmp_path / "S3.1" / "a.png"
    _record(tmp_path, "b_script", [dict(id="S3.2", what="two", numbers={"mean |m|": "2"}, figures=[], check=False)])
    _record(tmp_path, "a_script", [dict(id="S3.1", what="one", numbers={"x": "1", "y": "3"}, figures=[str(fig)],
                                        check=True)])
    _record(tmp_path, "c_script", [dict(id="H10", what="ten", numbers={"n": "10"}, figures=[], check=True),
                                   dict(id="H2", what="two", numbers={"n": "2"}, figures=[], check=True),
                                   dict(id="R1.1a", what="r", numbers={"n": "1"}, figures=[], check=True)])
    assert run_all.write_table(tmp_path) == 5
    lines = (tmp_path / "results.md").read_text().splitlines()
    assert lines[0] == "# Results — quick mode" and "--quick" in lines[2]
    assert lines[6] == "| S3.1 | one | x = 1; y = 3 | [a.png](S3.1/a.png) | pass |"
    assert lines[7] == "| S3.2 | two | mean \\|m\\| = 2 |  | FAIL |"   # a bare | would split the cell
    assert [line.split(" | ")[0] for line in lines[8:]] == ["| R1.1a", "| H2", "| H10"]  # sheet order, 2 < 10


def test_arguments_quick_and_full():
    """One rule for all scripts: --quick and --full both accepted (exclusive), the sheets' settings by default."""
    common = importlib.util.spec_from_file_location("_common", EXAMPLES / "_common.py")
    mod = importlib.util.module_from_spec(common)
    common.loader.exec_module(mod)
    assert mod.parse_args(None, ["--quick"]).quick is True
    assert mod.parse_args(None, ["--full"]).quick is False
    assert mod.parse_args(None, []).quick is False
    with pytest.raises(SystemExit):
        mod.parse_args(None, ["--quick", "--full"])


def test_blas_limited_whatever_the_import_order():
    """_common limits BLAS to one thread even when numpy was imported first (unless the caller set a count)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import numpy; import _common\n"
            "from threadpoolctl import threadpool_info\n"
            "print(max(i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'))")
    env = {k: v for k, v in ENV.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", code, str(EXAMPLES)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"


def test_runner_mode(tmp_path, monkeypatch):
    """run_all defaults to --quick and passes the chosen mode to every script."""
    seen = []
    monkeypatch.setattr(run_all, "example_scripts", lambda only=None: [EXAMPLES / "x_fake.py"])
    monkeypatch.setattr(run_all, "run_script", lambda script, cmd: (seen.append(cmd), (0, ""))[1])
    run_all.main(["--out", str(tmp_path / "a")])
    run_all.main(["--quick", "--out", str(tmp_path / "b")])
    run_all.main(["--full", "--out", str(tmp_path / "c")])
    assert ["--quick" in c for c in seen] == [True, True, False]
    assert ["--full" in c for c in seen] == [False, False, True]


BARS = """
from tqdm import tqdm
from tinynn._progress import progress_bar
for _ in tqdm(range(3), desc="direct", mininterval=0):
    pass
with progress_bar(total=3, desc="helper", progress=True) as bar:
    for _ in range(3):
        bar.update()
print("done")
"""


def test_runner_streams_no_progress_bars(capsys):
    """A script drawing bars, with tqdm directly and through the library helper (progress=True), prints
    no '\\r' redraws under run_all's environment, so its streamed log has just its own lines."""
    cmd = [sys.executable, "-c", BARS]
    without = {k: v for k, v in ENV.items() if not k.startswith("TQDM_")}
    drawn = subprocess.run(cmd, capture_output=True, env=without)
    assert drawn.returncode == 0 and drawn.stderr.count(b"\r") >= 4     # control: bars are drawn otherwise
    quiet = subprocess.run(cmd, capture_output=True, env=dict(run_all.child_env(), MPLBACKEND="Agg"))
    assert quiet.returncode == 0 and b"\r" not in quiet.stdout + quiet.stderr
    assert quiet.stdout == b"done\n" and quiet.stderr == b""
    assert run_all.run_script(EXAMPLES / "x_bars.py", cmd) == (0, "done")
    assert capsys.readouterr().out == "  x_bars| done\n"


def test_runner_exit_status(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad_example.py"
    bad.write_text("import sys\nprint('broken on purpose')\nsys.exit(1)\n")
    monkeypatch.setattr(run_all, "example_scripts", lambda only=None: [bad])
    assert run_all.main(["--out", str(tmp_path / "out")]) == 1
    assert "bad_example.py" in capsys.readouterr().err
    monkeypatch.setattr(run_all, "example_scripts", lambda only=None: [])
    assert run_all.main(["--out", str(tmp_path / "out2")]) == 1  # nothing ran: not a success
