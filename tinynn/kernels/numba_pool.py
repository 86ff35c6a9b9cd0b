"""The numba kernels of max and average pooling (the formulas and numpy twins are in pool.py).

This module imports numba, so it is loaded only when numba is used: by the warm-up thread
(tinynn/kernels/warmup.py) or by the first call with backend 'numba'. Every kernel gives its numpy
twin's bits (tests/kernels/test_kernels_tiers.py): max pooling only selects; average pooling adds a window
from its first element on in row-major order, divides by `area` = kh·kw in the array's dtype, and
its backward adds an element's shares in the order of its windows. No fastmath: it reorders sums.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def max_pool_numba(x, kh, kw, sh, sw, pt, pl, y, arg):
    """Fill y (N, C, Ho, Wo) with window maxima and arg with their positions row·W + col."""
    N, C, H, W = x.shape
    Ho, Wo = y.shape[2:]
    for n in range(N):
        for c in range(C):
            for p in range(Ho):
                r0 = max(p * sh - pt, 0)
                for q in range(Wo):
                    c0 = max(q * sw - pl, 0)                       # start at the first element inside x
                    best, where = x[n, c, r0, c0], r0 * W + c0
                    for i in range(kh):
                        row = p * sh + i - pt
                        if 0 <= row < H:
                            for j in range(kw):
                                col = q * sw + j - pl
                                if 0 <= col < W:
                                    v = x[n, c, row, col]
                                    # strict '>' keeps the first maximum; the first NaN wins and stays.
                                    # Written as selects, not an if-block: 1.7x faster (no branch misses).
                                    take = (v > best) | ((v != v) & (best == best))
                                    best = v if take else best
                                    where = row * W + col if take else where
                    y[n, c, p, q] = best
                    arg[n, c, p, q] = where
    return y, arg


@njit(cache=True)
def max_unpool_numba(gy, arg, out):
    """out (N, C, H·W), zeroed: out[n, c, arg] += gy, outputs in row-major order (as np.add.at)."""
    N, C, Ho, Wo = gy.shape
    for n in range(N):
        for c in range(C):
            for p in range(Ho):
                for q in range(Wo):
                    out[n, c, arg[n, c, p, q]] += gy[n, c, p, q]
    return out


@njit(cache=True)
def avg_pool_numba(x, kh, kw, sh, sw, pt, pl, area, y):
    """y (N, C, Ho, Wo) = window sums / area, zero padding counted. Each sum starts from the window's
    first element and adds the others in row-major order, as the numpy twin does.

    Two loop nests, chosen for speed only (both add in that order): a window with more elements than
    the output row (global pooling) is summed in a register, one window after the other; otherwise
    the taps are outermost and the innermost loop runs along the output row, which LLVM vectorises.
    Measured on (64, 16, 16, 16) global pooling: 0.6 ms vs 2.3 ms; on 3×3 windows over
    (64, 32, 32, 32): 80 ms vs 10 ms.
    """
    N, C, H, W = x.shape
    Ho, Wo = y.shape[2:]
    zero = x.dtype.type(0)
    acc = np.empty(Wo, x.dtype)
    for n in range(N):
        for c in range(C):
            for p in range(Ho):
                if Wo < kh * kw:
                    for q in range(Wo):
                        total = zero
                        for i in range(kh):
                            row = p * sh + i - pt
                            for j in range(kw):
                                col = q * sw + j - pl
                                v = x[n, c, row, col] if 0 <= row < H and 0 <= col < W else zero
                                total = v if i == 0 and j == 0 else total + v
                        y[n, c, p, q] = total / area
                    continue
                for i in range(kh):
                    row = p * sh + i - pt
                    row_inside = 0 <= row < H
                    for j in range(kw):
                        if i == 0 and j == 0:
                            for q in range(Wo):
                                col = q * sw - pl
                                acc[q] = x[n, c, row, col] if row_inside and 0 <= col < W else zero
                        else:
                            for q in range(Wo):
                                col = q * sw + j - pl
                                acc[q] += x[n, c, row, col] if row_inside and 0 <= col < W else zero
                for q in range(Wo):
                    y[n, c, p, q] = acc[q] / area
    return y


@njit(cache=True)
def avg_unpool_numba(gy, kh, kw, sh, sw, pt, pl, area, out):
    """out (N, C, H, W), zeroed: every element of each window gets g / area. An element receives its
    shares in the order of its windows (p, q), as in the numpy twin (which adds the taps last first).

    Two loop nests, chosen for speed only: window by window when a window has more elements than
    the output row (global pooling: 0.2 ms vs 4 ms on (64, 16, 16, 16)), otherwise tap by tap from
    the last to the first with the output row innermost (vectorised: 10 ms vs 110 ms for 3×3
    windows over (64, 32, 32, 32)); for one element both meet its windows in the same order.
    """
    N, C, Ho, Wo = gy.shape
    H, W = out.shape[2:]
    for n in range(N):
        for c in range(C):
            if Wo < kh * kw:
                for p in range(Ho):
                    for q in range(Wo):
                        share = gy[n, c, p, q] / area
                        for i in range(kh):
                            for j in range(kw):
                                row, col = p * sh + i - pt, q * sw + j - pl
                                if 0 <= row < H and 0 <= col < W:
                                    out[n, c, row, col] += share
            else:
                for i in range(kh - 1, -1, -1):
                    for j in range(kw - 1, -1, -1):
                        for p in range(Ho):
                            row = p * sh + i - pt
                            if 0 <= row < H:
                                for q in range(Wo):
                                    col = q * sw + j - pl
                                    if 0 <= col < W:
                                        out[n, c, row, col] += gy[n, c, p, q] / area
    return out


NUMBA_KERNELS = (max_pool_numba, max_unpool_numba, avg_pool_numba, avg_unpool_numba)


def warm():
    """Call each kernel once on tiny float32 and float64 arrays with the argument types pool.py passes
    (C-contiguous arrays, Python ints, `area` in the array's dtype), which loads it from numba's cache."""
    for dtype in (np.float32, np.float64):
        x, y = np.zeros((1, 1, 2, 2), dtype), np.empty((1, 1, 1, 1), dtype)
        _, arg = max_pool_numba(x, 2, 2, 2, 2, 0, 0, y, np.empty((1, 1, 1, 1), np.int64))
        max_unpool_numba(y, arg, np.zeros((1, 1, 4), dtype))
        avg_pool_numba(x, 2, 2, 2, 2, 0, 0, dtype(4), y)
        avg_unpool_numba(y, 2, 2, 2, 2, 0, 0, dtype(4), x)
