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

How: `threads()` is the number of threads numpy's BLAS uses (None when threadpoolctl finds no BLAS
it can drive: then the kernels run as before, one call per product). `map_chunks(work, chunks,
threads)` runs work(start, stop) for every chunk, the chunks spread over `threads` threads (this one
included) while the BLAS is set to one thread. The BLAS is found and driven by threadpoolctl (the
library scikit-learn uses; it knows OpenBLAS, MKL and BLIS). Of the BLAS libraries loaded, numpy's
is the one of numpy's build (numpy.show_config) that is not SciPy's private copy (scipy.libs).
"""
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

_lock = threading.Lock()
_state = {"users": 0, "saved": None, "pool": None, "pool_pid": None, "pool_size": 0}
_blas = []                           # [numpy's BLAS as a threadpoolctl LibController, or None], found once


def _numpy_blas():
    """numpy's BLAS library as a threadpoolctl controller, or None."""
    import numpy
    from threadpoolctl import ThreadpoolController
    try:
        name = str(numpy.show_config(mode="dicts")["Build Dependencies"]["blas"].get("name", "")).lower()
    except (TypeError, KeyError):                     # numpy 1.x, or no build information
        return None
    for lib in ThreadpoolController().select(user_api="blas").lib_controllers:
        if lib.internal_api in name and "scipy.libs" not in lib.filepath and "scipy/.dylibs" not in lib.filepath:
            return lib
    return None


def blas():
    """numpy's BLAS controller (looked up once), or None."""
    if not _blas:
        _blas.append(_numpy_blas())
    return _blas[0]


def threads():
    """Threads of numpy's BLAS now (it follows OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, threadpoolctl,
    ...), or None if threadpoolctl finds no BLAS of numpy's."""
    lib = blas()
    return lib.num_threads if lib is not None else None


@contextlib.contextmanager
def one_blas_thread():
    """numpy's BLAS on one thread inside the block, then back to what it was; safe when several threads
    enter it at once (the count goes back when the last one leaves). Without a known BLAS: no change."""
    lib = blas()
    if lib is None:
        yield
        return
    with _lock:
        if _state["users"] == 0:
            _state["saved"] = lib.num_threads
            lib.set_num_threads(1)
        _state["users"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["users"] -= 1
            if _state["users"] == 0:
                lib.set_num_threads(_state["saved"])


def _pool(workers):
    """A pool of at least `workers` threads, made anew in a forked child (threads do not survive fork)."""
    if _state["pool"] is None or _state["pool_pid"] != os.getpid() or _state["pool_size"] < workers:
        _state["pool"] = ThreadPoolExecutor(workers, thread_name_prefix="tinynn-kernels")
        _state["pool_pid"], _state["pool_size"] = os.getpid(), workers
    return _state["pool"]


def map_chunks(work, chunks, threads):
    """[work(start, stop) for (start, stop) in chunks], the chunks split into `threads` consecutive
    groups run at once (one on this thread), with the BLAS on one thread meanwhile."""
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
