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
Samples are processed in chunks whose columns fit in the CPU cache (about 1 MB), which was
measured faster than building the columns of the whole batch at once. Direct numba loop nests
(no im2col) were measured 2.5-4x slower than im2col + BLAS even for 1 -> 8 channels, so there are none.

Threads: when BLAS runs on several threads and a sample's product is large (O·K·L of at least
PARALLEL_MIN_PRODUCT; smaller ones OpenBLAS runs on one thread anyway), the chunks are spread over
that many threads, each calling BLAS on one thread (tinynn/kernels/parallel.py): one wake-up of the
threads per kernel call instead of one per product. On a 64×32→64, 32×32 layer with 2 threads this
was 4-17x faster while another program ran, and 1.5x faster on an idle machine (parallel.py has the
numbers). Also measured there: the columns of n samples side by side, (K, n·L), with one product
per 4-64 MB of columns: 1.6-3.8x slower than the threads under load (each product still wakes BLAS's
threads), 1.2-1.3x slower than one product per sample when idle (the columns leave the cache), and
5-30% slower with one thread. Splitting the small convolutions of the MNIST and φ⁴ networks too:
no faster when idle, 12-15% slower under load. Accumulating dL/dw per sample with matmul(out=)
instead of .sum(axis=0): no faster.
"""
import threading

import numpy as np

from . import backend as _backend
from . import parallel
from .conv_reference import (conv2d_backward_input_reference, conv2d_backward_weight_reference,
                             conv2d_forward_reference, output_size)
from .im2col import col2im_numba, col2im_numpy, im2col_numba, im2col_numpy

CHUNK_ELEMENTS = 1 << 18          # columns of one chunk: 256 K numbers = 1 MB in float32
WORKSPACE_LIMIT = 1 << 22         # column buffers up to 4 M numbers are kept for the next call
PARALLEL_MIN_PRODUCT = 1 << 19    # O·K·L of one sample from which OpenBLAS splits a product over threads
_workspace = threading.local()    # one buffer per thread and dtype, so concurrent threads never share one


def conv2d_output_shape(x_shape, w_shape, stride, padding, dilation):
    """(N, O, Ho, Wo) of a convolution, from the input and weight shapes."""
    (N, _, H, W), (O, _, kh, kw) = x_shape, w_shape
    return (N, O, output_size(H, kh, stride[0], padding[0] + padding[1], dilation[0]),
            output_size(W, kw, stride[1], padding[2] + padding[3], dilation[1]))


def _chunks(N, K, L):
    """Sample ranges [start, stop) whose columns (K·L numbers per sample) fill about CHUNK_ELEMENTS."""
    size = max(1, min(N, CHUNK_ELEMENTS // max(1, K * L)))
    return [(s, min(N, s + size)) for s in range(0, N, size)]


def _map_chunks(work, N, O, K, L):
    """[work(start, stop) for each chunk of samples]: on this thread, or spread over BLAS's threads."""
    chunks = _chunks(N, K, L)
    threads = parallel.threads() if O * K * L >= PARALLEL_MIN_PRODUCT and len(chunks) > 1 else None
    if threads and threads > 1:
        return parallel.map_chunks(work, chunks, threads)
    return [work(start, stop) for start, stop in chunks]


def _columns_buffer(n, K, L, dtype):
    """A scratch array (n, K, L) for the columns, reused from call to call.

    The columns never leave the kernel, so one buffer serves every call; allocating a fresh 1 MB
    array each time cost ~250 page faults per call on the machine this was measured on.
    """
    size = n * K * L
    if size > WORKSPACE_LIMIT:
        return np.empty((n, K, L), dtype=dtype)
    buffers = _workspace.__dict__.setdefault("buffers", {})
    flat = buffers.get(np.dtype(dtype))
    if flat is None or flat.size < size:
        flat = buffers[np.dtype(dtype)] = np.empty(max(size, CHUNK_ELEMENTS), dtype=dtype)
    return flat[:size].reshape(n, K, L)


class _Im2col:
    """The geometry of one convolution, and im2col / col2im for a range of samples, numba or numpy."""

    def __init__(self, x_shape, w_shape, stride, padding, dilation, use_numba):
        self.x_shape, self.w_shape, self.use_numba = x_shape, w_shape, use_numba
        self.stride, self.padding, self.dilation = stride, padding, dilation
        _, _, self.Ho, self.Wo = conv2d_output_shape(x_shape, w_shape, stride, padding, dilation)
        C, self.kh, self.kw = w_shape[1:]
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


def _forward_im2col(x, w, geo):
    """y[n] = w (O, K) @ cols[n] (K, L), one broadcast matmul per chunk of samples."""
    N, O = x.shape[0], w.shape[0]
    y = np.empty((N, O, geo.L), dtype=x.dtype)
    w2 = w.reshape(O, geo.K)

    def chunk(s, e):
        np.matmul(w2, geo.im2col(x[s:e], _columns_buffer(e - s, geo.K, geo.L, x.dtype)), out=y[s:e])
    _map_chunks(chunk, N, O, geo.K, geo.L)
    return y.reshape(N, O, geo.Ho, geo.Wo)


def _backward_im2col(x, w, gy, geo, need_x, need_w):
    """dL/dw = Σ_n g[n] (O, L) @ cols[n]ᵀ;   dL/dx = col2im(wᵀ (K, O) @ g[n]). Columns rebuilt per chunk.

    dL/dw is computed transposed, as Σ_n cols[n] @ g[n]ᵀ (K, O): measured 1.4x faster with OpenBLAS.
    """
    N, O = x.shape[0], w.shape[0]
    gy = np.ascontiguousarray(gy).reshape(N, O, geo.L)
    w2 = w.reshape(O, geo.K)
    gx = np.zeros(x.shape, dtype=x.dtype) if need_x else None

    def chunk(s, e):
        """Fills gx[s:e]; returns this chunk's share of dL/dwᵀ."""
        cols = _columns_buffer(e - s, geo.K, geo.L, x.dtype)
        gw_t = np.matmul(geo.im2col(x[s:e], cols), gy[s:e].transpose(0, 2, 1)).sum(axis=0) if need_w else None
        if need_x:
            geo.col2im_add(np.matmul(w2.T, gy[s:e], out=cols), gx[s:e])
        return gw_t
    shares = _map_chunks(chunk, N, O, geo.K, geo.L)
    return gx, (sum(shares).T.reshape(w.shape) if need_w else None)


def conv2d_forward(x, w, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), backend=None):
    """Cross-correlation of x (N, C, H, W) with w (O, C, kh, kw) -> (N, O, Ho, Wo), zero padding."""
    name = _backend.resolve(backend)
    if name == "reference":
        return conv2d_forward_reference(x, w, stride, padding, dilation)
    x = np.ascontiguousarray(x)
    return _forward_im2col(x, w, _Im2col(x.shape, w.shape, stride, padding, dilation, name == "numba"))


def conv2d_backward(x, w, gy, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                    need_x=True, need_w=True, backend=None):
    """(dL/dx, dL/dw) of conv2d_forward given gy = dL/dy; a gradient not needed is returned as None."""
    name = _backend.resolve(backend)
    if name == "reference":
        return (conv2d_backward_input_reference(gy, w, x.shape, stride, padding, dilation) if need_x else None,
                conv2d_backward_weight_reference(x, gy, w.shape, stride, padding, dilation) if need_w else None)
    x = np.ascontiguousarray(x)
    geo = _Im2col(x.shape, w.shape, stride, padding, dilation, name == "numba")
    return _backward_im2col(x, w, gy, geo, need_x, need_w)
