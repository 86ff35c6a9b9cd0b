"""Per-op cost of a tinynn training step: each op's numpy work, and the framework's own overhead.

    python benchmarks/opcost.py xor          # batch 1: mostly overhead
    python benchmarks/opcost.py susy1024     # large batch: mostly numpy work

Every `Function` subclass's forward/backward and every optimiser's `_update` is wrapped (in this
process only; the library is not changed) with a CPU-clock timer. The rest of the step is the
framework's Python overhead: `Function.apply` around forward, the graph walk around backward,
modules, losses' argument checks, the optimiser's loop. The timers' own cost is measured and
subtracted. Single-threaded; µs are medians of the thread's CPU time over the steps.
"""
import argparse
import statistics
import sys
import time
from collections import defaultdict

clock = time.thread_time


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def instrument(classes, methods, acc, counts):
    """Wrap `methods` defined in each class so that they add their CPU time to acc[key] and 1 to
    counts[key] (key 'Class.method'); returns a function that restores the originals."""
    originals = []
    for cls in classes:
        for name in methods:
            if name not in cls.__dict__:
                continue
            orig = cls.__dict__[name]
            key = f"{cls.__name__}.{name}"

            def timed(*args, _orig=orig, _key=key, **kwargs):
                start = clock()
                try:
                    return _orig(*args, **kwargs)
                finally:
                    acc[_key] += clock() - start
                    counts[_key] += 1
            originals.append((cls, name, orig))
            setattr(cls, name, timed)

    def restore():
        for cls, name, orig in originals:
            setattr(cls, name, orig)
    return restore


def timer_cost(n=20000):
    """CPU seconds one wrapped call adds (two clock reads, the wrapper call, the dict update)."""
    acc, counts = defaultdict(float), defaultdict(int)

    class Probe:
        def f(self):
            return None
    plain = Probe()
    start = clock()
    for _ in range(n):
        plain.f()
    base = clock() - start
    restore = instrument([Probe], ["f"], acc, counts)
    start = clock()
    for _ in range(n):
        plain.f()
    wrapped = clock() - start
    restore()
    return max(wrapped - base, 0.0) / n


def step_costs(step, steps):
    """{part: median µs per step} for one training `step` callable."""
    from tinynn.function import Function
    from tinynn.optim.optimizer import Optimizer
    acc, counts = defaultdict(float), defaultdict(int)
    restore = instrument(list(_subclasses(Function)), ["forward", "backward"], acc, counts)
    restore_opt = instrument(list(_subclasses(Optimizer)), ["_update"], acc, counts)
    overhead = timer_cost()
    per_step = defaultdict(list)
    try:
        for i in range(steps + 5):
            acc.clear()
            counts.clear()
            start = clock()
            step()
            total = clock() - start
            if i < 5:
                continue
            inner = sum(acc.values())
            per_step["total (as measured)"].append(total * 1e6)
            per_step["framework overhead (the rest)"].append((total - inner - overhead * sum(counts.values())) * 1e6)
            for k, v in acc.items():
                per_step[f"{k} ×{counts[k]}"].append(v * 1e6)
    finally:
        restore()
        restore_opt()
    return {k: statistics.median(v) for k, v in per_step.items()}, overhead * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("case", choices=["xor", "susy64", "susy1024", "amplitude", "mnist", "phi4"])
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    import timing
    import tinynn
    from case import step_fn
    from phases import setups_and_batch
    timing.limit_threads(1)
    setups, x, y = setups_and_batch(args.case)
    step = step_fn(*setups["tinynn"], tinynn.Tensor(x), tinynn.Tensor(y))
    costs, overhead = step_costs(step, args.steps)
    print(f"{args.case}: median CPU µs per training step, 1 thread ({args.steps} steps; timer cost "
          f"{overhead:.2f} µs per wrapped call, included in 'total', excluded from the parts)")
    for k, v in sorted(costs.items(), key=lambda kv: -kv[1]):
        print(f"{v:10.1f}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
