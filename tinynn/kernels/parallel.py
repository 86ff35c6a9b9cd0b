"""Kernels that split the samples of a batch over threads, with BLAS on one thread meanwhile.

Why: numpy hands matrix products to OpenBLAS, which splits every product over its threads. Each
call wakes those threads and waits for all of them. On an idle machine that costs microseconds; on a
busy one (another program running) a thread often waits for a CPU time slice, ~10 ms, per call.
A convolution with one product per sample makes 64 calls forward and 128 backward for a batch of 64.
Measured on Conv2d 64×32→64 channels, 32×32, 3×3, 2 threads: while another program ran, one
product per sample took 0.24-1.0 s forward and 0.9-1.5 s backward; with the samples split over 2
threads that each call BLAS on one thread (one wake-up per kernel call, as PyTorch has one parallel
region per op) 0.06-0.09 s and 0.12-0.14 s. On an idle machine: forward 39 -> 24 ms, forward +
backward 136 -> 87 ms. OpenBLAS's threads also spin for a while after each call, which slowed the
next program part (PyTorch's convolution, in the benchmarks) by 1.4-1.7x; split, they stay asleep.

How: `threads()` is the number of threads the process's OpenBLAS uses (None when the BLAS is not an
OpenBLAS this module can drive, e.g. MKL or Apple's Accelerate: then the kernels run as before,
one call per product). `map_chunks(work, chunks, threads)` runs work(start, stop) for every chunk,
the chunks spread over `threads` threads (this one included) while OpenBLAS is set to one thread.
OpenBLAS is driven through its own openblas_get_num_threads / openblas_set_num_threads, found in the
library numpy loaded (named scipy_openblas_..64_ in numpy's wheels).
"""
import contextlib
import ctypes
import glob
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

_lock = threading.Lock()
_state = {"users": 0, "saved": None, "pool": None, "pool_pid": None, "pool_size": 0}
_NAMES = [(f"{prefix}get_num_threads{suffix}", f"{prefix}set_num_threads{suffix}")
          for prefix in ("scipy_openblas_", "openblas_") for suffix in ("64_", "")]


def _libraries():
    """Paths of the OpenBLAS libraries numpy may use: those next to numpy (its wheels), then those this
    process has loaded (Linux: a system OpenBLAS); SciPy's own copy does not serve numpy, so not that."""
    import numpy
    site = os.path.dirname(os.path.dirname(numpy.__file__))
    paths = glob.glob(os.path.join(site, "numpy.libs", "*openblas*")) + \
        glob.glob(os.path.join(site, "numpy", ".dylibs", "*openblas*"))
    if os.path.exists("/proc/self/maps"):
        with open("/proc/self/maps") as maps:
            paths += sorted({line.split()[-1] for line in maps if "openblas" in line.lower()
                             and line.split()[-1].startswith("/") and "scipy.libs" not in line})
    return paths


def _numpy_uses_openblas():
    """What numpy was built with (numpy.show_config); an MKL numpy must not be driven through an
    OpenBLAS that some other package loaded."""
    import numpy
    try:
        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):                     # numpy 1.x, or no build information
        return False
    return "openblas" in str(blas.get("name", "")).lower()


def _find_openblas():
    """(get_num_threads, set_num_threads) of numpy's OpenBLAS as C functions, or None."""
    if not _numpy_uses_openblas():
        return None
    for path in _libraries():
        try:
            library = ctypes.CDLL(path)               # already loaded by numpy: the same library
        except OSError:
            continue
        for get, set_ in _NAMES:
            if hasattr(library, get) and hasattr(library, set_):
                return getattr(library, get), getattr(library, set_)
    return None


_openblas = None


def _blas():
    """numpy's OpenBLAS (get, set), or () without one; looked up once."""
    global _openblas
    if _openblas is None:
        _openblas = _find_openblas() or ()
    return _openblas


def threads():
    """Threads of numpy's OpenBLAS now (it follows OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, threadpoolctl,
    ...), or None if numpy's BLAS is not an OpenBLAS found here."""
    blas = _blas()
    return blas[0]() if blas else None


@contextlib.contextmanager
def one_blas_thread():
    """OpenBLAS on one thread inside the block, then back to what it was; safe when several threads
    enter it at once (the count goes back when the last one leaves). Without OpenBLAS: no change."""
    blas = _blas()
    if not blas:
        yield
        return
    get, set_ = blas
    with _lock:
        if _state["users"] == 0:
            _state["saved"] = get()
            set_(1)
        _state["users"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["users"] -= 1
            if _state["users"] == 0:
                set_(_state["saved"])


def _pool(workers):
    """A pool of at least `workers` threads, made anew in a forked child (threads do not survive fork)."""
    if _state["pool"] is None or _state["pool_pid"] != os.getpid() or _state["pool_size"] < workers:
        _state["pool"] = ThreadPoolExecutor(workers, thread_name_prefix="tinynn-kernels")
        _state["pool_pid"], _state["pool_size"] = os.getpid(), workers
    return _state["pool"]


def map_chunks(work, chunks, threads):
    """[work(start, stop) for (start, stop) in chunks], the chunks split into `threads` consecutive
    groups run at once (one on this thread), with OpenBLAS on one thread meanwhile."""
    groups = [chunks[i * len(chunks) // threads:(i + 1) * len(chunks) // threads] for i in range(threads)]
    groups = [g for g in groups if g]

    def run(group):
        return [work(start, stop) for start, stop in group]
    with one_blas_thread():
        pool = _pool(len(groups) - 1)
        futures = [pool.submit(run, group) for group in groups[1:]]
        try:
            results = run(groups[0])
        finally:
            wait(futures)                             # never leave a thread working on our arrays
        for future in futures:
            results += future.result()
    return results
