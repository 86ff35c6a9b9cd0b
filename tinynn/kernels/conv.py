"""2-D convolution kernels on plain ndarrays, with a backend switch.

    conv2d_forward(x, w, stride, padding, dilation)             -> y   (N, O, Ho, Wo)
    conv2d_backward(x, w, gy, stride, padding, dilation, ...)   -> (dL/dx, dL/dw)

x (N, C, H, W), w (O, C, kh, kw); stride, dilation = (h, w) pairs; padding = zero padding
(top, bottom, left, right). Other padding modes are applied by the caller (tinynn/ops/conv.py).

Backends (argument `backend=`, else `set_backend()`, else env TINYNN_BACKEND, else 'auto'):
  'reference'  the output-pixel loops of conv_reference.py: slow, obviously right
  'numpy'      im2col with sliding_window_view + BLAS matmul, col2im by strided adds: numpy only
  'numba'      the same matrix products, with im2col/col2im as compiled numba kernels
  'auto'       'numba', or 'numpy' when numba's JIT is disabled (NUMBA_DISABLE_JIT=1)
How the batch becomes matrix products (K = C·kh·kw, L = Ho·Wo; measured on a shared 2-core Xeon):
  per sample  y[n] = w (O, K) @ cols[n] (K, L) for each sample, the columns of ~1 MB of samples at a
              time (they stay in the cache). Fastest with one BLAS thread, and whenever a sample's
              product is small (O·K·L < WIDE_MIN_PRODUCT): BLAS then runs it on one thread anyway.
  wide        with several BLAS threads and large per-sample products, one product for many samples,
              w (O, K) @ cols (K, n·L), with the columns of up to WIDE_CHUNK_ELEMENTS numbers side by
              side. Every BLAS call wakes its threads and waits for all of them; on a busy machine a
              thread often waits a whole time slice, so 64 per-sample calls took 0.3-1.5 s where one
              wide call took 0.1 s (64×32→64 channels, 32×32, 2 threads). The (O, n·L) result is then
              copied into y's (n, O, L) layout, ~3% of the product's time. With one BLAS thread the
              wide layout was 5-30% slower (its columns no longer fit in the cache), so it is not used.
The number of BLAS threads is read as OpenBLAS reads it at start-up (blas_threads()).
Direct numba loop nests (no im2col) were measured 2.5-4x slower than im2col + BLAS even for 1 -> 8
channels, so there are none.
"""
import math
import os
import threading

import numpy as np

from . import backend as _backend
from .conv_reference import (conv2d_backward_input_reference, conv2d_backward_weight_reference,
                             conv2d_forward_reference, output_size)
from .im2col import col2im_numba, col2im_numpy, im2col_numba, im2col_numpy

CHUNK_ELEMENTS = 1 << 18          # per-sample products: columns of one chunk, 256 K numbers = 1 MB in float32
WIDE_CHUNK_BYTES = 64 << 20       # wide products: columns (or products) of one chunk, at most 64 MB
WIDE_MIN_PRODUCT = 1 << 19        # O·K·L of one sample from which OpenBLAS splits a product over 2 threads
_workspace = threading.local()    # scratch buffers per thread, so concurrent threads never share one


def blas_threads():
    """The number of threads BLAS runs on, as OpenBLAS decides it when numpy loads it: the first of
    OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS, OMP_NUM_THREADS that is set, else the CPUs this process may
    use. A later change (e.g. with threadpoolctl) is not seen; then only the speed of a choice differs."""
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


BLAS_THREADS = blas_threads()


def conv2d_output_shape(x_shape, w_shape, stride, padding, dilation):
    """(N, O, Ho, Wo) of a convolution, from the input and weight shapes."""
    (N, _, H, W), (O, _, kh, kw) = x_shape, w_shape
    return (N, O, output_size(H, kh, stride[0], padding[0] + padding[1], dilation[0]),
            output_size(W, kw, stride[1], padding[2] + padding[3], dilation[1]))


def _plan(N, O, K, L, itemsize):
    """(wide, [(start, stop), ...]): the layout of the products (see the module docstring) and the
    sample ranges of the chunks. Wide chunks are as few as WIDE_CHUNK_BYTES allows (for the columns,
    K·L per sample, and the product, O·L), and of equal size."""
    wide = BLAS_THREADS > 1 and O * K * L >= WIDE_MIN_PRODUCT
    if wide:
        count = -(-N * max(K, O) * L * itemsize // WIDE_CHUNK_BYTES)   # ceil
        size = -(-N // count)
    else:
        size = max(1, min(N, CHUNK_ELEMENTS // max(1, K * L)))
    return wide, [(s, min(N, s + size)) for s in range(0, N, size)]


def _scratch(slot, shape, dtype):
    """A contiguous array of `shape` for the kernel's own use, reused from call to call (one per slot,
    dtype and thread). Allocating the column buffer afresh each call cost ~250 page faults per MB here.
    Arrays larger than a wide chunk (a single huge sample) are not kept."""
    size = math.prod(shape)
    if size * np.dtype(dtype).itemsize > WIDE_CHUNK_BYTES:
        return np.empty(shape, dtype=dtype)
    buffers = _workspace.__dict__.setdefault("buffers", {})
    flat = buffers.get((slot, np.dtype(dtype)))
    if flat is None or flat.size < size:
        flat = buffers[slot, np.dtype(dtype)] = np.empty(size, dtype=dtype)
    return flat[:size].reshape(shape)


class _Im2col:
    """The geometry of one convolution, and im2col / col2im for a range of samples, numba or numpy."""

    def __init__(self, x_shape, w_shape, stride, padding, dilation, use_numba, itemsize):
        self.x_shape, self.w_shape, self.use_numba = x_shape, w_shape, use_numba
        self.stride, self.padding, self.dilation = stride, padding, dilation
        _, _, self.Ho, self.Wo = conv2d_output_shape(x_shape, w_shape, stride, padding, dilation)
        C, self.kh, self.kw = w_shape[1:]
        self.K, self.L = C * self.kh * self.kw, self.Ho * self.Wo
        self.wide, self.chunks = _plan(x_shape[0], w_shape[0], self.K, self.L, itemsize)

    def _args(self):
        (sh, sw), (dh, dw), (pt, _, pl, _) = self.stride, self.dilation, self.padding
        return self.kh, self.kw, sh, sw, pt, pl, dh, dw, self.Ho, self.Wo

    def im2col(self, x):
        """The columns of the samples x (n, C, H, W) in a scratch buffer: (n, K, L), or (K, n·L) if wide."""
        n = x.shape[0]
        out = _scratch("cols", (self.K, n, self.L) if self.wide else (n, self.K, self.L), x.dtype)
        if self.use_numba:
            im2col_numba(x, *self._args(), out, self.wide)
        else:
            out[...] = im2col_numpy(x, self.kh, self.kw, self.stride, self.padding, self.dilation, self.wide)
        return out.reshape(self.K, n * self.L) if self.wide else out

    def col2im_add(self, cols, gx):
        """gx (n, C, H, W) += col2im(cols), cols in the layout im2col returns."""
        n = gx.shape[0]
        cols = cols.reshape((self.K, n, self.L) if self.wide else (n, self.K, self.L))
        if self.use_numba:
            col2im_numba(cols, *self._args(), gx, self.wide)
        else:
            gx += col2im_numpy(cols, gx.shape, self.kh, self.kw, self.stride, self.padding, self.dilation,
                               self.wide)


def _forward_im2col(x, w, geo):
    """y[n] = w (O, K) @ cols[n] (K, L): per sample, or as one wide product per chunk."""
    N, O = x.shape[0], w.shape[0]
    y = np.empty((N, O, geo.L), dtype=x.dtype)
    w2 = w.reshape(O, geo.K)
    for s, e in geo.chunks:
        if geo.wide:
            product = np.matmul(w2, geo.im2col(x[s:e]), out=_scratch("product", (O, (e - s) * geo.L), x.dtype))
            y[s:e] = product.reshape(O, e - s, geo.L).transpose(1, 0, 2)
        else:
            np.matmul(w2, geo.im2col(x[s:e]), out=y[s:e])
    return y.reshape(N, O, geo.Ho, geo.Wo)


def _backward_im2col(x, w, gy, geo, need_x, need_w):
    """dL/dw = Σ_n g[n] (O, L) @ cols[n]ᵀ;   dL/dx = col2im(wᵀ (K, O) @ g[n]). Columns rebuilt per chunk.

    dL/dw is computed transposed, as Σ_n cols[n] @ g[n]ᵀ (K, O): measured 1.4x faster with OpenBLAS.
    Wide: g of the chunk is first copied to (O, n·L), the layout of the forward product, so that each
    gradient is one product, cols (K, n·L) @ gᵀ and wᵀ @ g (O, n·L).
    """
    N, O = x.shape[0], w.shape[0]
    gy = gy.reshape(N, O, geo.L)
    w2 = w.reshape(O, geo.K)
    gx = np.zeros(x.shape, dtype=x.dtype) if need_x else None
    gw_t = np.zeros((geo.K, O), dtype=w.dtype) if need_w else None
    for s, e in geo.chunks:
        if geo.wide:
            g = _scratch("grad", (O, e - s, geo.L), gy.dtype)
            g[...] = gy[s:e].transpose(1, 0, 2)
            g = g.reshape(O, (e - s) * geo.L)
        else:
            g = gy[s:e]
        if need_w:
            cols = geo.im2col(x[s:e])
            gw_t += cols @ g.T if geo.wide else np.matmul(cols, g.transpose(0, 2, 1)).sum(axis=0)
        if need_x:
            shape = (geo.K, (e - s) * geo.L) if geo.wide else (e - s, geo.K, geo.L)
            geo.col2im_add(np.matmul(w2.T, g, out=_scratch("cols", shape, x.dtype)), gx[s:e])
    return gx, (gw_t.T.reshape(w.shape) if need_w else None)


def conv2d_forward(x, w, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), backend=None):
    """Cross-correlation of x (N, C, H, W) with w (O, C, kh, kw) -> (N, O, Ho, Wo), zero padding."""
    name = _backend.resolve(backend)
    if name == "reference":
        return conv2d_forward_reference(x, w, stride, padding, dilation)
    x = np.ascontiguousarray(x)
    return _forward_im2col(x, w, _Im2col(x.shape, w.shape, stride, padding, dilation, name == "numba", x.dtype.itemsize))


def conv2d_backward(x, w, gy, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                    need_x=True, need_w=True, backend=None):
    """(dL/dx, dL/dw) of conv2d_forward given gy = dL/dy; a gradient not needed is returned as None."""
    name = _backend.resolve(backend)
    if name == "reference":
        return (conv2d_backward_input_reference(gy, w, x.shape, stride, padding, dilation) if need_x else None,
                conv2d_backward_weight_reference(x, gy, w.shape, stride, padding, dilation) if need_w else None)
    x, gy = np.ascontiguousarray(x), np.ascontiguousarray(gy)
    geo = _Im2col(x.shape, w.shape, stride, padding, dilation, name == "numba", x.dtype.itemsize)
    return _backward_im2col(x, w, gy, geo, need_x, need_w)
