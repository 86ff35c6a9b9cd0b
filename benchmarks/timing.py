"""How the suite measures: thread limits, interleaved repeated timing, the machine's GEMM rate.

Timing rules (the same for every workload and every side):
- every side is warmed up first (JIT compilation, caches, allocator pools);
- the number of calls per sample is calibrated so that one sample lasts `sample_seconds`;
- samples of all sides are interleaved (tinynn, reference, tinynn, ...; the order alternates every
  round), so a slow spell of a shared machine hits all sides alike;
- the reported time per call is the median over the samples.
"""
import os
import platform
import socket
import statistics
import time

def limit_threads(n, torch=None):
    """Limit every thread pool in this process to n threads and report what each one uses.

    BLAS and OpenMP pools (numpy's and scipy's OpenBLAS, PyTorch's OpenMP/MKL: whatever is loaded)
    through threadpoolctl, numba with numba.set_num_threads, PyTorch with torch.set_num_threads.
    threadpoolctl limits the libraries loaded so far, so numpy, scipy's BLAS, numba and torch are
    imported first. The limit holds for the rest of the process. Returns {'blas': ..., 'numba': ...}.
    """
    import numba
    import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS, so that it is limited too)
    import threadpoolctl
    report = {"requested": n}
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    report["numba"] = numba.get_num_threads()
    if torch is not None:
        torch.set_num_threads(n)
        report["torch"] = torch.get_num_threads()
    global _thread_limiter
    _thread_limiter = threadpoolctl.threadpool_limits(n)
    report["blas"] = {f"{d['internal_api']} ({os.path.basename(d['filepath'])})": d["num_threads"]
                      for d in threadpoolctl.threadpool_info()}
    report["blas_source"] = "threadpoolctl"
    return report


_thread_limiter = None


def calibrate(fn, sample_seconds):
    """How many calls of fn make one sample of about `sample_seconds` (at least 1)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(1, int(sample_seconds / max(once, 1e-9)))


def interleaved(sides, warmup=2, repeats=7, sample_seconds=0.1):
    """Time each callable of `sides` ({name: fn}) and return {name: stats} in seconds per call.

    stats = {'median', 'min', 'max', 'cpu_median', 'page_faults', 'samples', 'calls_per_sample'}:
    wall-clock seconds per call; the median of the process's CPU seconds per call (all its threads
    together), which a busy machine disturbs less than the wall clock; minor page faults per call.
    See the module docstring.
    """
    for _ in range(warmup):
        for fn in sides.values():
            fn()
    number = {name: calibrate(fn, sample_seconds) for name, fn in sides.items()}
    wall, cpu = {name: [] for name in sides}, {name: [] for name in sides}
    faults = dict.fromkeys(sides, 0)
    order = list(sides)
    for r in range(repeats):
        for name in (order if r % 2 == 0 else order[::-1]):
            fn, n = sides[name], number[name]
            start_faults = page_faults()
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                fn()
            wall[name].append((time.perf_counter() - start) / n)
            cpu[name].append((time.process_time() - start_cpu) / n)
            faults[name] += page_faults() - start_faults
    return {name: dict(median=statistics.median(s), min=min(s), max=max(s), cpu_median=statistics.median(cpu[name]),
                       page_faults=faults[name] / (repeats * number[name]), samples=len(s),
                       calls_per_sample=number[name]) for name, s in wall.items()}


def page_faults():
    """Minor page faults of this process so far (0 where the resource module is missing).

    A step that allocates large fresh arrays each time pays one fault per 4 KiB page touched; how
    many depends on the C allocator's state, which the sides of an interleaved run share.
    """
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def gemm_rate(n=1024, repeats=7, dtype="float32"):
    """numpy's matrix-product rate in GFLOP/s (2n³ flops per n×n product): the machine's practical limit."""
    import numpy as np
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    stats = interleaved({"gemm": lambda: a @ b}, warmup=2, repeats=repeats, sample_seconds=0.05)["gemm"]
    return 2 * n ** 3 / stats["median"] / 1e9


def machine():
    """Where the numbers were measured: host, CPU model, core count, versions, load."""
    import numba
    import numpy as np
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return dict(host=socket.gethostname(), cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                numpy=np.__version__, numba=numba.__version__, load_average=list(os.getloadavg()))


def format_seconds(t):
    """A time as '12.3 µs', '4.56 ms' or '1.23 s'."""
    if t is None:
        return "—"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"
