"""Max and average pooling over (kh, kw) windows of (N, C, H, W) arrays, in plain numpy.

    max:  y[n, c, p, q] = max over the window at (p·s_h - pad_top, q·s_w - pad_left)
    avg:  y[n, c, p, q] = (sum over that window) / (kh·kw)     (padding counts as zeros, as in PyTorch)

Max pooling remembers where each maximum came from (`arg`, the flat index row·W + col into the
input plane) and its backward sends g there: dL/dx = Σ g over the windows whose maximum x was.
Ties go to the first maximum in row-major window order (what np.argmax does), so the routing is
deterministic; a NaN in a window is the maximum (it propagates, as in PyTorch). Padding of max
pooling is -inf, so it never wins. Average pooling's backward spreads g / (kh·kw) over the window.

These are the pooling ops' own math (tinynn/ops/conv.py), and the numpy twins of the numba kernels
(tinynn/kernels/numba_pool.py), which give the same bits: the window sums are added in row-major
window order starting from the first element, the backward shares in window order, the division is
by kh·kw in the array's dtype.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pool_output_shape(x_shape, kernel, stride, padding):
    """(N, C, Ho, Wo) for windows `kernel` moved by `stride` over the padded input."""
    N, C, H, W = x_shape
    return (N, C, (H + padding[0] + padding[1] - kernel[0]) // stride[0] + 1,
            (W + padding[2] + padding[3] - kernel[1]) // stride[1] + 1)


def _pad(x, padding, fill):
    return np.pad(x, ((0, 0), (0, 0), padding[:2], padding[2:]), constant_values=fill) if any(padding) else x


def _tap(a, i, j, stride, out_hw):
    """a[:, :, p·s_h + i, q·s_w + j] for all outputs (p, q): the window element (i, j) of every window."""
    (sh, sw), (Ho, Wo) = stride, out_hw
    return a[:, :, i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw]


def max_pool_numpy(x, kernel, stride, padding):
    """(y, arg): window maxima and their flat input positions row·W + col (int64).

    A window whose elements are all -inf has no maximum above the padding; like the numba kernel it
    then names its first element inside x (never a padding position, which is not an index into x).
    """
    (N, C, H, W), (kh, kw) = x.shape, kernel
    windows = sliding_window_view(_pad(x, padding, -np.inf), kernel, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]
    Ho, Wo = windows.shape[2:4]
    flat = windows.reshape(N, C, Ho, Wo, kh * kw)
    k = np.argmax(flat, axis=-1)                                       # first maximum (or first NaN)
    y = np.take_along_axis(flat, k[..., None], axis=-1)[..., 0]
    top = np.arange(Ho)[:, None] * stride[0] - padding[0]
    left = np.arange(Wo)[None, :] * stride[1] - padding[2]
    rows, cols = top + k // kw, left + k % kw
    all_inf = y == -np.inf
    if all_inf.any():
        rows = np.where(all_inf, np.maximum(top, 0), rows)
        cols = np.where(all_inf, np.maximum(left, 0), cols)
    return y, rows * W + cols


def max_unpool_numpy(gy, arg, x_shape):
    """Backward of max pooling: gx[n, c].flat[arg] += gy (np.add.at, since windows may overlap)."""
    N, C, H, W = x_shape
    gx = np.zeros((N, C, H * W), dtype=gy.dtype)
    np.add.at(gx, (np.arange(N)[:, None, None], np.arange(C)[None, :, None], arg.reshape(N, C, -1)),
              gy.reshape(N, C, -1))
    return gx.reshape(x_shape)


def avg_pool_numpy(x, kernel, stride, padding):
    """Window sums, element (0, 0) first and then each further element in row-major order added to
    all windows at once, divided by kh·kw. (A numpy mean would sum in another order.)"""
    (kh, kw), xp = kernel, _pad(x, padding, 0)
    out_hw = pool_output_shape(x.shape, kernel, stride, padding)[2:]
    total = _tap(xp, 0, 0, stride, out_hw).copy()
    for i in range(kh):
        for j in range(kw):
            if i or j:
                total += _tap(xp, i, j, stride, out_hw)
    total /= x.dtype.type(kh * kw)
    return total


def avg_unpool_numpy(gy, x_shape, kernel, stride, padding):
    """Backward of average pooling: every window element gets g / (kh·kw), added tap by tap.

    The taps go from the last (kh-1, kw-1) to the first, so that an element receives the shares of
    its windows in window order (p, q), like the numba kernel.
    """
    (N, C, H, W), (kh, kw) = x_shape, kernel
    gxp = np.zeros((N, C, H + padding[0] + padding[1], W + padding[2] + padding[3]), dtype=gy.dtype)
    share = gy / gy.dtype.type(kh * kw)
    for i in reversed(range(kh)):
        for j in reversed(range(kw)):
            _tap(gxp, i, j, stride, gy.shape[2:])[...] += share
    return gxp[:, :, padding[0]:padding[0] + H, padding[2]:padding[2] + W]
