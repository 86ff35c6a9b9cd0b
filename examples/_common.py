"""Shared plumbing for the example scripts: command-line options, figure paths and the results table.

Every example script does:
    args = parse_args(__doc__)                     # --quick / --full, --out, --seed (+ its own options)
    res = Results("s3_projection", args)
    ... compute ...
    res.add("S3.2a", "logistic regression on data2d.npy", {"accuracy": acc},
            figures=[path], check=acc < 0.7)
    sys.exit(res.finish())
`finish` prints the table and writes OUT/results/<script>.json, which run_all.py gathers into
OUT/results.md. A failed sanity check makes the script exit with status 1.

Importing it limits the BLAS library (OpenBLAS, MKL, BLIS) to one thread, unless the caller chose a
count in OPENBLAS_NUM_THREADS / MKL_NUM_THREADS / OMP_NUM_THREADS: threadpoolctl acts on the library
numpy has already loaded, so the import order does not matter, and the environment variables it
also sets reach worker processes (GridSearchCV's n_jobs). The examples' matrices are small: BLAS
threads only cost wake-ups on a shared CPU.
"""
import argparse
import json
import os
import pathlib
import time

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
_LIMIT_BLAS = not any(os.environ.get(v) for v in _THREAD_VARS)
if _LIMIT_BLAS:
    os.environ.update({"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})

import matplotlib  # noqa: E402
import numpy  # noqa: E402,F401  (loads the BLAS library, so threadpoolctl below finds it)
from threadpoolctl import threadpool_limits  # noqa: E402

matplotlib.use("Agg")

if _LIMIT_BLAS:
    _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")   # kept: the limit lasts for the process


def parse_args(doc, argv=None, extra=None):
    """Parse --quick | --full, --out DIR, --seed N; `extra(parser)` may add the script's own options.

    Every script runs the sheet's settings (--full) unless --quick is given; run_all.py defaults to
    --quick. `args.quick` is True for --quick, False for --full."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true",
                      help="fewer epochs / smaller grids, the same lessons, in seconds")
    mode.add_argument("--full", dest="quick", action="store_false",
                      help="the lecture sheet's settings (the default)")
    parser.set_defaults(quick=False)
    parser.add_argument("--out", default="out", help="output folder; figures go to OUT/<exercise-id>/")
    parser.add_argument("--seed", type=int, default=0, help="random seed (tinynn.manual_seed and numpy)")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class Results:
    """Collects one row per exercise ID: what was computed, key numbers, figures, sanity check."""

    def __init__(self, script, args):
        self.script, self.out, self.quick = script, pathlib.Path(args.out), args.quick
        self.rows, self.start = [], time.perf_counter()

    def figure(self, exercise_id, name):
        """Path OUT/<exercise_id>/<name>.png (folder created) for a figure of this exercise."""
        folder = self.out / exercise_id
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"{name}.png")

    def add(self, exercise_id, what, numbers, figures=(), check=True):
        """Record a result; `numbers` maps names to values computed by the run."""
        self.rows.append(dict(id=exercise_id, what=what, numbers={k: _fmt(v) for k, v in numbers.items()},
                              figures=[str(f) for f in figures], check=bool(check)))
        status = "ok" if check else "FAILED"
        nums = ", ".join(f"{k} = {_fmt(v)}" for k, v in numbers.items())
        print(f"  {exercise_id:8s} {status:6s} {what}: {nums}")

    def finish(self):
        """Write OUT/results/<script>.json; return the exit status (1 if any check failed)."""
        folder = self.out / "results"
        folder.mkdir(parents=True, exist_ok=True)
        record = dict(script=self.script, quick=self.quick, seconds=round(time.perf_counter() - self.start, 2),
                      rows=self.rows)
        tmp = folder / f".{self.script}.json.tmp"
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, folder / f"{self.script}.json")
        failed = [r["id"] for r in self.rows if not r["check"]]
        if failed:
            print(f"{self.script}: sanity check FAILED for {', '.join(failed)}")
        return 1 if failed else 0
