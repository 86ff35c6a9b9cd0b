"""Which part of a training step costs what: zero_grad, forward, loss, backward, optimiser step.

    python benchmarks/phases.py                  # xor (batch 1), susy64, susy1024, amplitude, mnist, phi4
    python benchmarks/phases.py susy64 --steps 500

Each phase of each step is timed with the thread's CPU clock (time.thread_time), which other
programs on a shared machine barely disturb, and the median over the steps is reported in µs,
for tinynn and PyTorch side by side. Runs single-threaded (BLAS, numba and PyTorch limited to 1),
so the thread's CPU time is all the work.
"""
import argparse
import statistics
import sys
import time

CASES = {"xor": ("xor", 1), "susy64": ("susy", 64), "susy1024": ("susy", 1024), "amplitude": ("amplitude", 64),
         "mnist": ("mnist", 200), "phi4": ("phi4", 64)}


def setups_and_batch(key, torch=None):
    """({side: (model, loss_fn, optimizer)}, x, y) of a case, built as the benchmark builds it."""
    import workloads
    name, size = CASES[key]
    if name in ("mnist", "phi4"):
        import workloads_conv
        x, y = workloads_conv.cnn_batch(name)
        return workloads_conv.cnn_setups(name, torch), x, y
    x, y = workloads.charges() if name == "xor" else workloads.batch(name, size)
    return workloads.training_setups(name, torch), x[:size], y[:size]
PHASES = ("zero_grad", "forward", "loss", "backward", "step")


def phase_times(model, loss_fn, optimizer, x, y, steps):
    """Median CPU µs of each phase over `steps` training steps (after a few warm-up steps)."""
    clock = time.thread_time
    samples = {p: [] for p in PHASES}
    for i in range(steps + 5):
        t0 = clock()
        optimizer.zero_grad()
        t1 = clock()
        out = model(x)
        t2 = clock()
        loss = loss_fn(out, y)
        t3 = clock()
        loss.backward()
        t4 = clock()
        optimizer.step()
        t5 = clock()
        if i >= 5:
            for p, a, b in zip(PHASES, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5)):
                samples[p].append((b - a) * 1e6)
    return {p: statistics.median(v) for p, v in samples.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"some of {', '.join(CASES)} (default: all)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    import case
    import timing
    import workloads
    torch = case.import_torch(not args.no_torch)
    timing.limit_threads(1, torch)
    for key in args.cases or list(CASES):
        setups, x, y = setups_and_batch(key, torch)
        result = {side: phase_times(*setups[side], workloads.as_side(side, x, torch),
                                    workloads.as_side(side, y, torch), args.steps)
                  for side in ("tinynn", "torch") if side in setups}
        print(f"\n{key}: median CPU µs per phase ({args.steps} steps, 1 thread)")
        print(f"{'phase':10s} {'tinynn':>9s}" + (f" {'PyTorch':>9s} {'ratio':>6s}" if "torch" in result else ""))
        for p in PHASES + ("total",):
            t = sum(result["tinynn"].values()) if p == "total" else result["tinynn"][p]
            line = f"{p:10s} {t:9.1f}"
            if "torch" in result:
                r = sum(result["torch"].values()) if p == "total" else result["torch"][p]
                line += f" {r:9.1f} {t / r:6.2f}"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
