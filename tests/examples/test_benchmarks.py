"""Smoke test of the benchmark suite (benchmarks/run.py --quick), so it never rots.

No timing is asserted: the machine is shared and the numbers of a quick run mean nothing. What is
asserted: the suite runs without PyTorch, writes its three result files, times every workload on
every side, the sides compute the same thing (the agreement check), and the verdict logic.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "benchmarks")
sys.path.insert(0, BENCH)
try:
    import report
    from case import Case
    from floors import NumpyMLP, Scalar, s34
finally:
    sys.path.remove(BENCH)          # the suite's module names (case, report, ...) stay out of other tests' way


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, os.path.join(BENCH, "run.py"), "--quick", "--no-torch", "--threads", "1",
                           "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout


def test_quick_run_writes_results(quick_run):
    out, stdout = quick_run
    names = sorted(os.listdir(out))
    assert "ratios-1threads-quick.png" in names
    stem = [n[:-5] for n in names if n.endswith("-quick.json")]
    assert len(stem) == 1
    data = json.loads((out / f"{stem[0]}.json").read_text())
    assert "| # | workload |" in (out / f"{stem[0]}.md").read_text()
    keys = {row["key"] for row in data["rows"]}
    assert {"scalar", "xor", "susy64", "susy1024", "susy1024_alone", "amplitude", "import"} <= keys
    assert data["meta"]["threads"]["requested"] == 1 and data["meta"]["threads"]["numba"] == 1
    for row in data["rows"]:
        assert math.isfinite(row["tinynn"]) and row["tinynn"] > 0
        if row["ratio"] is not None:
            assert row["ratio"] == pytest.approx(row["tinynn"] / row["reference_time"])
    assert "quick smoke run: no target judged" in stdout and "(quick: 256³ matrices, not meaningful)" in stdout


def test_quick_numbers_are_marked_in_the_tables_themselves(quick_run):
    """Issue #16: a quick run printed 'machine limit 1.4 GFLOP/s' beside 90 GFLOP/s and a MISS."""
    out, stdout = quick_run
    table = stdout[stdout.index("# ") if "# " in stdout else 0:]
    rows = [line for line in table.splitlines() if line[:2].strip().isdigit()]
    assert rows and all(report.QUICK in line for line in rows)
    assert " PASS " not in table and " MISS " not in table
    md = next(out.glob("*-quick.md")).read_text()
    assert "QUICK SMOKE RUN, numbers not meaningful" in md.splitlines()[0]
    assert all(report.QUICK in line for line in md.splitlines() if line.startswith("| ") and "---" not in line
               and not line.startswith("| # "))
    assert all(row["passed"] is None and row["quick"] for row in json.loads(next(out.glob("*-quick.json"))
                                                                             .read_text())["rows"])


def test_quick_runs_write_to_an_ignored_folder_and_full_runs_to_results():
    sys.path.insert(0, BENCH)
    try:
        import run
    finally:
        sys.path.remove(BENCH)
    quick, full = run.parse_args(["--quick"]).out, run.parse_args([]).out
    assert full == os.path.join(BENCH, "results") and quick != full
    repo = os.path.dirname(BENCH)
    probe = os.path.join(quick, "2026-01-01-host-quick.json")
    ignored = subprocess.run(["git", "check-ignore", "-q", probe], cwd=repo)
    tracked = subprocess.run(["git", "check-ignore", "-q", os.path.join(full, "x.json")], cwd=repo)
    assert ignored.returncode == 0 and tracked.returncode == 1    # quick: ignored; results/: not ignored


def test_sides_compute_the_same(quick_run):
    """tinynn and the floors agree on S3.4's gradients and on the first losses of every training case."""
    out, _ = quick_run
    data = json.loads(next(out.glob("*-quick.json")).read_text())
    for key, entry in data["raw"].items():
        if entry["agreement"] is not None:
            assert entry["agreement"] < 1e-4, key


def test_floor_engine_matches_analytic_gradient():
    """The pure-Python floor computes S3.4's gradient, checked against the derivative by hand."""
    x1, x2 = Scalar(1.5), Scalar(0.5)
    s34(x1, x2).backward()
    a, b = 1.5 / 0.5, math.exp(0.5)
    u, v = math.sin(a) + a - b, a - b                 # L = u v
    dl_da, dl_db = (math.cos(a) + 1) * v + u, -v - u
    assert x1.grad == pytest.approx(dl_da / 0.5, rel=1e-12)
    assert x2.grad == pytest.approx(dl_da * (-1.5 / 0.25) + dl_db * b, rel=1e-12)


def test_numpy_mlp_gradient_matches_finite_difference():
    rng = np.random.default_rng(0)
    layers = [(rng.standard_normal((4, 3)), rng.standard_normal(4)), (rng.standard_normal((2, 4)), np.zeros(2))]
    x, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    net = NumpyMLP(layers, "tanh", "ce", optimizer="sgd", lr=1.0)
    before = net.step(x, y)
    w = layers[0][0].copy()
    w[1, 2] += 1e-6
    shifted = NumpyMLP([(w, layers[0][1])] + layers[1:], "tanh", "ce", optimizer="sgd", lr=0.0).step(x, y)
    # the update moved W[1,2] by -lr·dL/dW[1,2] (lr = 1); compare with the finite difference of the loss
    grad = layers[0][0][1, 2] - net.params[0][1, 2]
    assert grad == pytest.approx((shifted - before) / 1e-6, rel=1e-4)


def test_verdicts():
    stats = {"tinynn": dict(median=2.0, cpu_median=2.0), "torch": dict(median=4.0, cpu_median=5.0),
             "floor": dict(median=1.0, cpu_median=1.0)}
    case = Case("susy64", "t", {}, {"torch": 0.5, "floor": None}, flops=8e9)
    rows = report.case_rows(case, stats, peak_gflops=16.0)
    assert [r["ratio"] for r in rows] == [0.5, 2.0, 4.0]          # peak row: 8e9 / 16e9 = 0.5 s ideal
    assert [r["passed"] for r in rows] == [True, None, None]
    assert rows[0]["cpu_ratio"] == pytest.approx(0.4) and rows[0]["gflops"] == pytest.approx(4.0)
    slow = report.case_rows(Case("susy64", "t", {}, {"torch": 0.5}), dict(stats, tinynn=dict(median=2.1, cpu_median=1)))
    assert slow[0]["passed"] is False
    cold = report.absolute_row("import", "import", 0.6, 0.5)
    assert cold["passed"] is False and "MISS" in report.text_table([cold])


def _instructions():
    sys.path.insert(0, BENCH)
    try:
        import instructions
    finally:
        sys.path.remove(BENCH)
    return instructions


def test_instruction_count_workloads_run_in_this_tree():
    """benchmarks/instructions.py runs each workload's generated code under valgrind; here it runs in
    plain Python (2 counted steps each), so a renamed builder in workloads.py cannot break it unseen."""
    instructions = _instructions()
    repo = os.path.dirname(BENCH)
    code = "\n".join(f"def _{name}():\n" + "".join(f"    {line}\n" for line in
                                                  instructions.CHILD.format(bench=BENCH, tree=repo, setup=setup,
                                                                             zero="pass", n=2)
                                                  .splitlines()) + f"_{name}()\nprint('ran {name}')"
                     for name, (setup, _, _) in instructions.WORKLOADS.items())
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=repo,
                          env=dict(os.environ, PYTHONPATH=repo))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == [w for name in instructions.WORKLOADS for w in ("ran", name)]


def test_instructions_per_step_is_the_difference_of_two_counts(monkeypatch):
    instructions = _instructions()
    calls = []

    class Done:
        def __init__(self, stderr, returncode=0):
            self.stderr, self.returncode = stderr, returncode

    def fake_run(cmd, **kwargs):
        calls.append((cmd, kwargs["env"]))
        n = int(code_of(cmd).rsplit("range(", 1)[1].split(")")[0])
        return Done(f"==1== Events    : Ir\n==1== Collected : {1_000_000 + 7_000 * n}\n")

    def code_of(cmd):
        return cmd[cmd.index("-c") + 1]

    monkeypatch.setattr(instructions.subprocess, "run", fake_run)
    assert instructions.per_step(".", "xor") == 7_000                  # start-up (1,000,000) cancels out
    assert {c[0][0] for c in calls} == {"valgrind"} and all(c[1]["OPENBLAS_NUM_THREADS"] == "1" for c in calls)
    code = code_of(calls[0][0])                                     # the count restarts after the warm-up
    assert code.index("range(10)") < code.index("callgrind_control', '--zero'") < code.rindex("range(")
    monkeypatch.setattr(instructions.subprocess, "run", lambda cmd, **kw: Done("Traceback: boom", returncode=1))
    with pytest.raises(RuntimeError, match="xor in . failed under valgrind"):
        instructions.count(".", "xor", 5)
    with pytest.raises(SystemExit):
        instructions.main(["--only", "nonesuch"])


def test_instructions_without_valgrind_says_what_is_missing(monkeypatch, capsys):
    instructions = _instructions()
    monkeypatch.setattr(instructions.shutil, "which", lambda tool: None if tool == "valgrind" else "/usr/bin/" + tool)
    with pytest.raises(SystemExit):
        instructions.main(["--only", "xor"])
    assert "valgrind not found on PATH" in capsys.readouterr().err
