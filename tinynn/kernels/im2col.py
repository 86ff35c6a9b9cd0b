"""im2col and col2im: turn a convolution into one matrix product per sample.

im2col copies every (C, kh, kw) window of the zero-padded input xp into a column,

    cols[n, (c, i, j), p·Wo + q] = xp[n, c, p·s_h + i·d_h, q·s_w + j·d_w]      (N, C·kh·kw, Ho·Wo)

so that the convolution is a matrix product per sample, y[n] = w.reshape(O, C·kh·kw) @ cols[n],
which BLAS does near peak speed. col2im is its adjoint: it adds each column entry back onto the
input element it was copied from (overlapping windows add up), which turns the column gradient
wᵀ @ g into the input gradient.

padding = (top, bottom, left, right) zeros. The numba kernels never build xp: positions outside x
read as 0 (im2col) or are dropped (col2im); that saved a full copy of the batch, which was measured
to cost more than the column copy itself. Each numba kernel has a numpy twin computing the same
numbers; tests/test_conv_kernels.py checks that they agree.
"""
import numpy as np
from numba import njit
from numpy.lib.stride_tricks import sliding_window_view

from .pad import fold2d, pad2d


# ---- numpy twins ---------------------------------------------------------------------------------
def im2col_numpy(x, kh, kw, stride, padding, dilation):
    """(N, C, H, W) -> cols (N, C·kh·kw, Ho·Wo), via a strided view of the padded input (then one copy)."""
    (sh, sw), (dh, dw) = stride, dilation
    windows = sliding_window_view(pad2d(x, padding), (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]                    # (N, C, Ho, Wo, kh, kw)
    N, C, Ho, Wo = windows.shape[:4]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, Ho * Wo)


def col2im_numpy(cols, x_shape, kh, kw, stride, padding, dilation):
    """Adjoint of im2col_numpy: (N, C·kh·kw, Ho·Wo) -> (N, C, H, W), one strided add per kernel tap."""
    (sh, sw), (dh, dw), (N, C, H, W) = stride, dilation, x_shape
    Hp, Wp = H + padding[0] + padding[1], W + padding[2] + padding[3]
    Ho, Wo = (Hp - dh * (kh - 1) - 1) // sh + 1, (Wp - dw * (kw - 1) - 1) // sw + 1
    gxp = np.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    cols = cols.reshape(N, C, kh, kw, Ho, Wo)
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i * dh:i * dh + sh * (Ho - 1) + 1:sh, j * dw:j * dw + sw * (Wo - 1) + 1:sw] += cols[:, :, i, j]
    return fold2d(gxp, padding)


# ---- numba kernels -------------------------------------------------------------------------------
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
