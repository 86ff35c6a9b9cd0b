"""The numba kernels of im2col and col2im (their numpy twins and the formulas are in im2col.py).

This module imports numba, so it is loaded only when numba is used: by the warm-up thread
(tinynn/kernels/warmup.py) or by the first call with backend 'numba'.

The numba kernels never build the padded input: positions outside x read as 0 (im2col) or are
dropped (col2im); that saved a full copy of the batch, which was measured to cost more than the
column copy itself. Both give the twins' bits: im2col only copies, and col2im adds the taps (i, j)
onto each input element in the same order as col2im_numpy, starting from the zeros of `out`.
"""
import numpy as np
from numba import njit


# The bounds test sits inside the innermost loop (LLVM turns it into masked vector code) and the
# common stride 1 has its own loop (contiguous, so it vectorises): measured 2-3x faster here than
# loops split at the padding edges (range(lo, hi)) or one loop for all strides.
@njit(cache=True, nogil=True)
def im2col_numba(x, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo, out):
    """Write the columns of x (N, C, H, W) into out (N, C·kh·kw, Ho·Wo); pt, pl = top, left padding."""
    N, C, H, W = x.shape
    for n in range(N):
        for c in range(C):
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    off = j * dw - pl
                    for p in range(Ho):
                        row, base = p * sh + i * dh - pt, p * Wo
                        if row < 0 or row >= H:
                            for q in range(Wo):
                                out[n, r, base + q] = 0
                        elif sw == 1:
                            for q in range(Wo):
                                out[n, r, base + q] = x[n, c, row, q + off] if 0 <= q + off < W else 0
                        else:
                            for q in range(Wo):
                                col = q * sw + off
                                out[n, r, base + q] = x[n, c, row, col] if 0 <= col < W else 0
    return out


@njit(cache=True, nogil=True)
def col2im_numba(cols, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo, out):
    """Adjoint of im2col_numba: add cols (N, C·kh·kw, Ho·Wo) into out (N, C, H, W)."""
    N, C, H, W = out.shape
    for n in range(N):
        for c in range(C):
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    off = j * dw - pl
                    for p in range(Ho):
                        row, base = p * sh + i * dh - pt, p * Wo
                        if row < 0 or row >= H:
                            continue
                        if sw == 1:
                            for q in range(Wo):
                                if 0 <= q + off < W:
                                    out[n, c, row, q + off] += cols[n, r, base + q]
                        else:
                            for q in range(Wo):
                                col = q * sw + off
                                if 0 <= col < W:
                                    out[n, c, row, col] += cols[n, r, base + q]
    return out


NUMBA_KERNELS = (im2col_numba, col2im_numba)


def warm():
    """Call each kernel once on tiny float32 and float64 arrays with the argument types conv.py passes
    (C-contiguous arrays, Python ints), which loads it from numba's cache (or compiles it)."""
    for dtype in (np.float32, np.float64):
        x = np.zeros((1, 1, 2, 2), dtype)
        cols = im2col_numba(x, 1, 1, 1, 1, 0, 0, 1, 1, 2, 2, np.empty((1, 1, 4), dtype))
        col2im_numba(cols, 1, 1, 1, 1, 0, 0, 1, 1, 2, 2, x)
