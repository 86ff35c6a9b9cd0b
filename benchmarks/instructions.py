"""Instructions per step, counted by valgrind: an A/B comparison that a noisy machine cannot blur.

    python benchmarks/instructions.py                          # this tree
    python benchmarks/instructions.py /tmp/old .               # two trees (e.g. `git archive REV | tar -x -C /tmp/old`)
    python benchmarks/instructions.py --only xor,scalar /tmp/old .

Wall-clock ratios (run.py) on a shared 2-core VM moved by ±10 % between identical runs, more than
the 5 % a change may cost. The number of machine instructions a step executes does not depend on the
load, so it shows a change in the per-op cost of the small workloads, where Python's overhead is the
time (it does not see cache misses or threads: run.py stays the measure of speed). Each workload
runs in a fresh process under `valgrind --tool=callgrind` twice, for n1 and n2 steps after the same
10 warm-up steps; the process zeroes its count after the warm-up (`callgrind_control --zero`, while
it waits for that command, so start-up, imports and numba's compiles are not counted: numba's cache
key differs under valgrind, so the first processes compile what the cache holds only for the native
CPU: billions of instructions, how many depending on the timing of numba's background loading), and
(count(n2) - count(n1)) / (n2 - n1) removes what is left (the interpreter's exit). BLAS runs on one
thread, so counts repeat to within ~0.1 %. Needs valgrind and callgrind_control (e.g. `apt install
valgrind`); each tree uses its own benchmarks/workloads.py, so both must have the builders used
below.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

# the steps of these workloads use numba's kernels (the default): loaded before the warm-up steps
STEP = ("def step(i):\n    opt.zero_grad(); loss_fn(model(xs), ys).backward(); opt.step()\n"
        "from tinynn.kernels import wait_for_numba\nwait_for_numba()\n")
MLP = ("import tinynn, workloads as w\nmodel, loss_fn, opt = w.training_setups('{name}')['tinynn']\n"
       "x, y = w.batch('{name}', {batch})\nxs, ys = tinynn.Tensor(x), tinynn.Tensor(y)\n" + STEP)
# workload -> (code defining step(i), n1, n2); it runs with the tree's benchmarks/ on the path
WORKLOADS = {
    "scalar": ("from floors import s34\nfrom tinynn.scalar import Value\n"
               "def step(i):\n    x1, x2 = Value(1.5), Value(0.5)\n    s34(x1, x2).backward()\n",
               200, 1200),
    "xor": ("import tinynn, workloads as w\nmodel, loss_fn, opt = w.training_setups('xor')['tinynn']\n"
            "x, y = w.charges()\nxs, ys = tinynn.Tensor(x), tinynn.Tensor(y)\n"
            "def step(i):\n    i %= 121\n    opt.zero_grad()\n"
            "    loss_fn(model(xs[i:i + 1]), ys[i:i + 1]).backward(); opt.step()\n",
            100, 600),
    "susy": (MLP.format(name="susy", batch=1024), 5, 25),
    "amplitude": (MLP.format(name="amplitude", batch=64), 20, 120),
    "phi4": ("import tinynn, workloads_conv as w\nmodel, loss_fn, opt = w.cnn_setups('phi4')['tinynn']\n"
             "x, y = w.cnn_batch('phi4')\nxs, ys = tinynn.Tensor(x), tinynn.Tensor(y)\n" + STEP, 3, 13),
}
# the child process: set-up, 10 warm-up steps (numba's background loading has ended by then, see STEP),
# ZERO (callgrind's count restarts), the counted steps; callgrind counts every thread, idle ones execute nothing
CHILD = ("import sys\nsys.path[:0] = [{bench!r}, {tree!r}]\n{setup}"
         "for i in range(10): step(i)\n{zero}\nfor i in range({n}): step(i)\n")
ZERO = ("import os, subprocess\n"
        "subprocess.run(['callgrind_control', '--zero', str(os.getpid())], check=True, capture_output=True)")


def count(tree, workload, n):
    """Instructions of one fresh process running `workload` for n steps (after 10 warm-up steps) in `tree`."""
    setup = WORKLOADS[workload][0]
    code = CHILD.format(bench=os.path.join(tree, "benchmarks"), tree=tree, setup=setup, zero=ZERO, n=n)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1", PYTHONHASHSEED="0", PYTHONPATH=tree)
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tree)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode or not found:
        raise RuntimeError(f"{workload} in {tree} failed under valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def per_step(tree, workload):
    _, n1, n2 = WORKLOADS[workload]
    with ThreadPoolExecutor(2) as pool:                     # the two runs are independent processes
        c1, c2 = pool.map(lambda n: count(tree, workload, n), (n1, n2))
    return (c2 - c1) / (n2 - n1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", default=["."], help="source trees to compare (default: this one)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help=f"workloads, from {', '.join(WORKLOADS)}")
    args = parser.parse_args(argv)
    names = [w for w in args.only.split(",") if w]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    missing = [tool for tool in ("valgrind", "callgrind_control") if shutil.which(tool) is None]
    if missing:
        parser.error(f"{' and '.join(missing)} not found on PATH; install valgrind (e.g. `apt install valgrind`)")
    trees = [os.path.abspath(t) for t in args.trees]
    print("| workload | " + " | ".join(trees) + " |\n|---|" + "---|" * len(trees))
    for name in names:
        counts = [per_step(tree, name) for tree in trees]
        cells = [f"{c / 1e3:,.1f} k" + (f" ({c / counts[0]:.3f}×)" if i else "") for i, c in enumerate(counts)]
        print(f"| {name} (instructions per step) | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
