"""Where does tinynn spend a workload's time? cProfile of one side of one benchmark case.

    python benchmarks/profile_case.py susy64              # top functions of tinynn's SUSY step
    python benchmarks/profile_case.py xor --side torch    # the same for PyTorch's side
    python benchmarks/profile_case.py scalar --calls 20000 --sort cumulative

Times are the thread's CPU time (other programs on a shared machine barely disturb it), printed
in µs per call of the case's unit (one step, one graph, one run), so they can be
compared directly with the benchmark table. cProfile adds its own overhead to every Python call,
so absolute numbers are inflated (most for many tiny calls); use them to rank, not to quote.
"""
import argparse
import cProfile
import os
import pstats
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("case", help="case key, e.g. scalar, xor, susy64, susy1024, amplitude")
    parser.add_argument("--side", default="tinynn")
    parser.add_argument("--calls", type=int, default=None, help="calls to profile (default: about 2 s worth)")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="build the case as --quick does (e.g. fewer epochs)")
    return parser.parse_args(argv)


def find_case(key, cfg):
    import run
    for name, build in run.builders().items():
        if name == "cold":
            continue
        if key == name or run._any_key_under(name, {key}) or key.startswith(name):
            for item in build(cfg):
                if getattr(item, "key", None) == key:
                    return item
    raise SystemExit(f"no case named {key!r}")


def main(args):
    import case
    import timing
    args.torch = case.import_torch(args.side == "torch")
    timing.limit_threads(args.threads, args.torch)
    item = find_case(args.case, args)
    fn = item.sides[args.side]
    for _ in range(2):
        fn()
    calls = args.calls or timing.calibrate(fn, 2.0)
    profiler = cProfile.Profile(time.thread_time)   # CPU time: a busy machine disturbs it less
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt / calls * 1e6
    print(f"{item.title} — side {args.side}: {calls} calls, {total:.1f} µs per {item.unit} under the profiler\n")
    print(f"{'µs/' + item.unit:>10} {'cum µs':>10} {'calls/' + item.unit:>11}  function")
    rows = []
    for (filename, line, name), (cc, nc, tt, ct, _) in stats.stats.items():
        rows.append((tt, ct, nc, f"{_short(filename)}:{line}({name})"))
    rows.sort(key=lambda r: r[0 if args.sort == "tottime" else 1], reverse=True)
    for tt, ct, nc, where in rows[:args.top]:
        print(f"{tt / calls * 1e6:10.1f} {ct / calls * 1e6:10.1f} {nc / calls:11.1f}  {where}")
    return 0


def _short(filename):
    """Paths shortened to package/module for reading."""
    for marker in ("/tinynn/", "/benchmarks/", "/torch/", "/numpy/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return os.path.basename(filename) if filename != "~" else "~"


if __name__ == "__main__":
    args = parse_args()
    sys.exit(main(args))
