"""im2col and col2im: turn a convolution into one matrix product per sample.

im2col copies every (C, kh, kw) window of the zero-padded input xp into a column,

    cols[n, (c, i, j), p·Wo + q] = xp[n, c, p·s_h + i·d_h, q·s_w + j·d_w]      (N, C·kh·kw, Ho·Wo)

so that the convolution is a matrix product per sample, y[n] = w.reshape(O, C·kh·kw) @ cols[n],
which BLAS does near peak speed. col2im is its adjoint: it adds each column entry back onto the
input element it was copied from (overlapping windows add up), which turns the column gradient
wᵀ @ g into the input gradient.

padding = (top, bottom, left, right) zeros. This module holds the numpy twins; the numba kernels live
in numba_im2col.py, so that the numpy path never imports numba. Twin and kernel give the same bits
(col2im adds the kernel taps in the same order); tests/kernels/test_kernels_tiers.py checks that.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..ops.padding import fold2d, pad2d
from .warmup import numba_kernel


# ---- numpy twins ---------------------------------------------------------------------------------
def im2col_numpy(x, kh, kw, stride, padding, dilation):
    """(N, C, H, W) -> cols (N, C·kh·kw, Ho·Wo), via a strided view of the padded input (then one copy)."""
    (sh, sw), (dh, dw) = stride, dilation
    windows = sliding_window_view(pad2d(x, padding), (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]                    # (N, C, Ho, Wo, kh, kw)
    N, C, Ho, Wo = windows.shape[:4]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, Ho * Wo)


def col2im_numpy(cols, x_shape, kh, kw, stride, padding, dilation):
    """Adjoint of im2col_numpy: (N, C·kh·kw, Ho·Wo) -> (N, C, H, W), one strided add per kernel tap.

    Each input element receives its taps in the order (i, j) = (0, 0), (0, 1), ..., as in col2im_numba.
    """
    (sh, sw), (dh, dw), (N, C, H, W) = stride, dilation, x_shape
    Hp, Wp = H + padding[0] + padding[1], W + padding[2] + padding[3]
    Ho, Wo = (Hp - dh * (kh - 1) - 1) // sh + 1, (Wp - dw * (kw - 1) - 1) // sw + 1
    gxp = np.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    cols = cols.reshape(N, C, kh, kw, Ho, Wo)
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i * dh:i * dh + sh * (Ho - 1) + 1:sh, j * dw:j * dw + sw * (Wo - 1) + 1:sw] += cols[:, :, i, j]
    return fold2d(gxp, padding)


# ---- numba kernels (tinynn/kernels/numba_im2col.py, imported with numba at their first call) ------
im2col_numba = numba_kernel("tinynn.kernels.numba_im2col", "im2col_numba")
col2im_numba = numba_kernel("tinynn.kernels.numba_im2col", "col2im_numba")
