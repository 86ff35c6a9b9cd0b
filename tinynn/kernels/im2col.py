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

from ..ops.conv_reference import output_size
from ..ops.padding import fold2d, pad2d
from .chunks import add_up, chunks, map_chunks, scratch
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


# ---- the algorithm's driver (a row of ALGORITHMS in conv.py) ------------------------------------------
class Geometry:
    """The geometry of one convolution, and im2col / col2im for a range of samples, numba or numpy."""

    def __init__(self, x_shape, w_shape, stride, padding, dilation, use_numba):
        self.x_shape, self.w_shape, self.use_numba = x_shape, w_shape, use_numba
        self.stride, self.padding, self.dilation = stride, padding, dilation
        C, self.kh, self.kw = w_shape[1:]
        self.Ho = output_size(x_shape[2], self.kh, stride[0], padding[0] + padding[1], dilation[0])
        self.Wo = output_size(x_shape[3], self.kw, stride[1], padding[2] + padding[3], dilation[1])
        self.K, self.L = C * self.kh * self.kw, self.Ho * self.Wo

    def _args(self):
        (sh, sw), (dh, dw), (pt, _, pl, _) = self.stride, self.dilation, self.padding
        return self.kh, self.kw, sh, sw, pt, pl, dh, dw, self.Ho, self.Wo

    def im2col(self, x, out):
        """Columns of the samples x (n, C, H, W) into out (n, K, L)."""
        if self.use_numba:
            return im2col_numba(x, *self._args(), out)
        out[...] = im2col_numpy(x, self.kh, self.kw, self.stride, self.padding, self.dilation)
        return out

    def col2im_add(self, cols, gx):
        """gx (n, C, H, W) += col2im(cols)."""
        if self.use_numba:
            col2im_numba(cols, *self._args(), gx)
        else:
            gx += col2im_numpy(cols, gx.shape, self.kh, self.kw, self.stride, self.padding, self.dilation)


def forward(x, w, bias, stride, padding, dilation, use_numba):
    """y[n] = w (O, K) @ cols[n] (K, L) + bias, one broadcast matmul per chunk of samples."""
    geo = Geometry(x.shape, w.shape, stride, padding, dilation, use_numba)
    N, O = x.shape[0], w.shape[0]
    y = np.empty((N, O, geo.L), dtype=x.dtype)
    w2 = w.reshape(O, geo.K)

    def chunk(s, e):
        np.matmul(w2, geo.im2col(x[s:e], scratch("cols", (e - s, geo.K, geo.L), x.dtype)), out=y[s:e])
    map_chunks(chunk, chunks(N, geo.K * geo.L), O * geo.K * geo.L)
    y = y.reshape(N, O, geo.Ho, geo.Wo)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def backward(x, w, gy, stride, padding, dilation, need_x, need_w, use_numba):
    """dL/dw = Σ_n g[n] (O, L) @ cols[n]ᵀ;   dL/dx = col2im(wᵀ (K, O) @ g[n]). Columns rebuilt per chunk.

    dL/dw is computed transposed, as Σ_n cols[n] @ g[n]ᵀ (K, O): measured 1.4x faster with OpenBLAS.
    """
    geo = Geometry(x.shape, w.shape, stride, padding, dilation, use_numba)
    N, O = x.shape[0], w.shape[0]
    gy = np.ascontiguousarray(gy).reshape(N, O, geo.L)
    w2 = w.reshape(O, geo.K)
    gx = np.zeros(x.shape, dtype=x.dtype) if need_x else None

    def chunk(s, e):
        """Fills gx[s:e]; returns this chunk's share of dL/dwᵀ."""
        cols = scratch("cols", (e - s, geo.K, geo.L), x.dtype)
        gw_t = np.matmul(geo.im2col(x[s:e], cols), gy[s:e].transpose(0, 2, 1)).sum(axis=0) if need_w else None
        if need_x:
            geo.col2im_add(np.matmul(w2.T, gy[s:e], out=cols), gx[s:e])
        return gw_t
    shares = map_chunks(chunk, chunks(N, geo.K * geo.L), O * geo.K * geo.L)
    return gx, (add_up(shares).T.reshape(w.shape) if need_w else None)
