"""One side of one case timed alone in a fresh process: what a user running only that library sees.

    python benchmarks/alone.py susy1024 [--side tinynn] [--threads N] [--quick]

Interleaving the sides in one process (run.py) is fair to the clock, but the sides share the C
allocator: arrays freed by one side leave the heap grown for the next, which hides the page faults
a program pays when it allocates large fresh arrays every step on its own. Prints one JSON line
{"median": seconds per call, "page_faults": per call}.
"""
import argparse
import json
import os
import subprocess
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("case")
    parser.add_argument("--side", default="tinynn")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    return parser.parse_args(argv)


def measure_alone(key, side, threads, quick):
    """Run this script for `key` in a fresh interpreter and return its {'median', 'page_faults'}."""
    cmd = [sys.executable, os.path.abspath(__file__), key, "--side", side, "--threads", str(threads)]
    out = subprocess.run(cmd + (["--quick"] if quick else []), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"alone.py {key} failed:\n{out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(args):
    import case
    import timing
    from profile_case import find_case
    args.torch = case.import_torch(args.side == "torch")
    timing.limit_threads(args.threads, args.torch)
    if args.side.startswith("tinynn"):
        from tinynn.kernels import wait_for_numba
        wait_for_numba()      # 'auto' runs numpy until numba is loaded; time the steady state
    item = find_case(args.case, args)
    stats = timing.interleaved({args.side: item.sides[args.side]}, warmup=1 if args.quick else item.warmup,
                               repeats=3 if args.quick else 9, sample_seconds=0.003 if args.quick else 0.1)
    print(json.dumps({k: stats[args.side][k] for k in ("median", "cpu_median", "page_faults")}))
    return 0


if __name__ == "__main__":
    args = parse_args()
    sys.exit(main(args))
