"""What every convolution algorithm's driver shares: cache-sized chunks of samples, their scratch
buffers, and running the chunks on BLAS's threads (tinynn/kernels/conv.py has the measurements)."""
import math
import threading

import numpy as np

from . import parallel

CHUNK_ELEMENTS = 1 << 18          # columns of one chunk: 256 K numbers = 1 MB in float32
WORKSPACE_LIMIT = 1 << 22         # scratch buffers up to 4 M numbers are kept for the next call
PARALLEL_MIN_PRODUCT = 1 << 14    # O·K·L of one sample from which the samples are split over threads
_workspace = threading.local()    # buffers per thread, so concurrent threads never share one


def chunks(N, per_sample, elements=None):
    """Sample ranges [start, stop) whose scratch (per_sample numbers each) fills about `elements`
    (default CHUNK_ELEMENTS)."""
    size = max(1, min(N, (elements or CHUNK_ELEMENTS) // max(1, per_sample)))
    return [(s, min(N, s + size)) for s in range(0, N, size)]


def map_chunks(work, ranges, product):
    """[work(start, stop) for each range]: on this thread, or spread over BLAS's threads when one
    sample's products are large (product = O·C·kh·kw·Ho·Wo, the multiply-adds of a direct convolution)."""
    threads = parallel.threads() if product >= PARALLEL_MIN_PRODUCT and len(ranges) > 1 else None
    if threads and threads > 1:
        return parallel.map_chunks(work, ranges, threads)
    return [work(start, stop) for start, stop in ranges]


def scratch(name, shape, dtype):
    """A scratch array for the kernels, reused from call to call (one per name, dtype and thread).

    Scratch never leaves the kernel, so one buffer serves every call; allocating a fresh 1 MB array
    each time cost ~250 page faults per call on the machine this was measured on.
    """
    size = math.prod(shape)
    if size > WORKSPACE_LIMIT:
        return np.empty(shape, dtype=dtype)
    buffers = _workspace.__dict__.setdefault("buffers", {})
    key = (name, np.dtype(dtype))
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = buffers[key] = np.empty(max(size, CHUNK_ELEMENTS), dtype=dtype)
    return flat[:size].reshape(shape)


def add_up(shares):
    """Σ of the chunks' weight-gradient shares, added into the first one in place (each share is a
    fresh array of its chunk; sum() made a new array per chunk: 1.4 ms on the Winograd layer)."""
    total = shares[0]
    for share in shares[1:]:
        total += share
    return total
