"""tinynn against PyTorch and the machine's limit, side by side in one run.

    python benchmarks/run.py                 # everything (several minutes)
    python benchmarks/run.py --quick         # smoke run in seconds (numbers not meaningful)
    python benchmarks/run.py --only susy     # one workload (a builder name or a case key)
    python benchmarks/run.py --no-torch      # numpy references only (also what happens without torch)

Prints a table (ratio = tinynn time / reference time, target, PASS/MISS) and writes
benchmarks/results/<date>-<host>.json, .md and ratios.png; runs with --threads other than the
core count add -<N>threads to the names. Quick runs add -quick, go to out/benchmarks/ (ignored by
git, so they never replace the tracked results) and mark every row "quick: not meaningful"
instead of a verdict. Thread counts are set with threadpoolctl (BLAS/OpenMP), numba and torch.
PyTorch is optional (`pip install -e .[bench]`); without it the floors and the numpy GEMM rate
remain the references.
"""
import argparse
import datetime
import os
import sys
import time

import alone
import case
import coldstart
import report
import timing
import workloads

BENCH = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(BENCH, "results")                          # tracked: full runs only
QUICK_RESULTS = os.path.join(os.path.dirname(BENCH), "out", "benchmarks")   # git-ignored


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="tinynn benchmark suite")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny repeats and epochs")
    parser.add_argument("--only", action="append", default=[],
                        help="run only these workloads (builder names or case keys; repeat or comma-separate)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for BLAS, numba and PyTorch alike (default: all cores)")
    parser.add_argument("--no-torch", action="store_true", help="do not use PyTorch even if it is installed")
    parser.add_argument("--repeats", type=int, default=None, help="samples per side (default 9, quick 3)")
    parser.add_argument("--out", default=None,
                        help="folder for the result files (default benchmarks/results; quick runs: out/benchmarks, "
                             "which git ignores)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = QUICK_RESULTS if args.quick else RESULTS
    if args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    args.only = {name for item in args.only for name in item.split(",") if name}
    return args




def builders():
    """All workload builders in table order: name -> fn(cfg) returning Cases or ready rows."""
    table = dict(workloads.BUILDERS)
    try:
        import workloads_conv
    except ImportError:
        workloads_conv = None
    if workloads_conv is not None:
        table.update(workloads_conv.BUILDERS)
    table["cold"] = coldstart.cold_start
    return table


def main(args):
    torch = case.import_torch(not args.no_torch)
    args.torch = torch
    threads = timing.limit_threads(args.threads, torch)
    quick = args.quick
    repeats = args.repeats or (3 if quick else 9)
    sample_seconds = 0.003 if quick else 0.1
    meta = dict(date=datetime.date.today().isoformat(), quick=quick, machine=timing.machine(), threads=threads,
                torch_version=getattr(torch, "__version__", None), load_start=os.getloadavg()[0],
                timing=f"median of {repeats} interleaved samples of ≥{sample_seconds * 1e3:g} ms per side "
                       "after warm-up (whole-run workloads: fewer samples of one run each)")
    meta["kernel_backend"] = _kernel_backend()
    print(f"tinynn benchmarks on {meta['machine']['host']} ({meta['machine']['cpu']}), threads {threads}")
    if torch is None:
        print("PyTorch not used (not installed or --no-torch): references are the floors and numpy's GEMM rate")
    print(f"load average {meta['load_start']:.2f} on {meta['machine']['cores']} cores; "
          "the machine may be shared, so samples are interleaved and medians taken")
    meta["gemm_gflops"] = timing.gemm_rate(n=256 if quick else 1024, repeats=3 if quick else 7)
    print(f"machine limit: numpy float32 GEMM {meta['gemm_gflops']:.1f} GFLOP/s"
          + (" (quick: 256³ matrices, not meaningful)" if quick else "") + "\n")
    rows, raw = [], {}
    start = time.perf_counter()
    for name, build in builders().items():
        if args.only and name not in args.only and not _any_key_under(name, args.only):
            continue
        for item in build(args):
            if isinstance(item, dict):
                new = [item]
            else:
                if args.only and name not in args.only and item.key not in args.only:
                    continue
                stats = timing.interleaved(item.sides, warmup=1 if quick else item.warmup,
                                           repeats=item.repeats or repeats,
                                           sample_seconds=sample_seconds)
                raw[item.key] = dict(stats=stats, agreement=item.agreement, extra=item.extra, unit=item.unit)
                new = report.case_rows(item, stats, meta["gemm_gflops"])
                if item.alone:
                    alone_stats = alone.measure_alone(item.key, "tinynn", args.threads, quick)
                    torch_alone = alone.measure_alone(item.key, "torch", args.threads, quick) if torch else None
                    raw[item.key].update(tinynn_alone=alone_stats, torch_alone=torch_alone)
                    new.append(report.alone_row(item, stats["tinynn"], alone_stats, torch_alone))
            if quick:
                new = [report.mark_quick(row) for row in new]
            rows += new
            for row in new:
                print("  " + " | ".join(report.table_cells(row)))
    meta["load_end"] = os.getloadavg()[0]
    meta["seconds"] = time.perf_counter() - start
    print("\n" + report.text_table(rows))
    print(f"\n{report.summary(rows)}; ratio = tinynn / reference, lower is better. "
          f"Load average {meta['load_start']:.2f} -> {meta['load_end']:.2f}.")
    _write(args, meta, rows, raw)
    return 0


def _kernel_backend():
    """The convolution kernels tinynn uses by default here ('numba', 'numpy'), or None without them."""
    try:
        from tinynn.kernels import resolve, wait_for_numba
    except ImportError:
        return None
    wait_for_numba()          # 'auto' runs numpy until numba is loaded; the benchmarks time the steady state
    return resolve()


def _any_key_under(name, only):
    """--only may name a case key (e.g. susy64) that a builder (susy) makes."""
    prefixes = {"susy": ("susy64", "susy1024"), "conv": ("conv_fwd", "conv_fwdbwd"), "cold": ("import", "first_conv")}
    return any(k in only for k in prefixes.get(name, ()))


def _write(args, meta, rows, raw):
    import socket
    variant = ("" if args.threads == os.cpu_count() else f"-{args.threads}threads") + ("-quick" if args.quick else "")
    base = os.path.join(args.out, f"{meta['date']}-{socket.gethostname()}{variant}")
    report.write_json(base + ".json", dict(meta=meta, rows=rows, raw=raw))
    report.write_text(base + ".md", report.markdown(meta, rows))
    figure = report.plot(os.path.join(args.out, f"ratios{variant}.png"), rows, report.plot_title(meta))
    print(f"wrote {base}.json, {base}.md" + (f", {figure}" if figure else ""))


if __name__ == "__main__":
    sys.exit(main(parse_args()))
