"""2-D convolution kernels on plain ndarrays, with a backend switch, and the fast Conv2d op using them.

    conv2d_forward(x, w, stride, padding, dilation)             -> y   (N, O, Ho, Wo)
    conv2d_backward(x, w, gy, stride, padding, dilation, ...)   -> (dL/dx, dL/dw)

x (N, C, H, W), w (O, C, kh, kw); stride, dilation = (h, w) pairs; padding = zero padding
(top, bottom, left, right). Other padding modes are applied by the caller (tinynn/ops/conv.py).

Backends (argument `backend=`, else `set_backend()`, else env TINYNN_BACKEND, else 'auto'):
  'reference'  the output-pixel loops of tinynn/ops/conv_reference.py: slow, obviously right
  'numpy'      BLAS products with the data rearranged by numpy (sliding_window_view, strided adds)
  'numba'      the same products, with the rearranging done by compiled numba kernels
  'auto'       see backend.py
'numpy' and 'numba' give the same bits. Two algorithms, the rows of ALGORITHMS, chosen by the shapes alone:
  im2col    every (C, kh, kw) window becomes a column, y[n] = w (O, C·kh·kw) @ cols[n] (im2col.py);
  Winograd  for 3×3 kernels, stride 1, dilation 1 and C·O >= WINOGRAD_MIN_CHANNELS: F(2×2, 3×3)
            (winograd.py), 2.25x fewer multiplications. Measured on Conv2d 64×32→64, 32×32, batch
            64, one thread (CPU time, machine shared): forward 42 -> 26 ms, backward 81 -> 65 ms;
            16→32 channels 2x faster, 16→16 16% faster; 8→16 (the φ⁴ network) 4% and 4→16 20%
            slower, 1→8 (MNIST) 7x slower: the tile transforms cost ∝ (C + O), the products ∝ C·O.
Samples are processed in chunks whose scratch fits in the CPU cache (about 1 MB; one sample per
chunk for the Winograd layer above: two or four were 25-40% slower, and so were blocks of a few tile
rows), which was measured faster than building the columns of the whole batch at once. Direct numba
loop nests (no im2col) were measured 2.5-4x slower than im2col + BLAS even for 1 -> 8 channels.

Threads: when BLAS runs on several threads and a sample's product is not tiny (O·C·kh·kw·Ho·Wo of at
least PARALLEL_MIN_PRODUCT) and there are several chunks, the chunks are spread
over that many threads, each calling BLAS on one thread (tinynn/kernels/parallel.py): one wake-up of
the threads per kernel call instead of one per product. On a 64×32→64, 32×32 layer with 2 threads
this was 4-17x faster while another program ran, and 1.5x faster on an idle machine (parallel.py has
the numbers). Also measured there: the columns of n samples side by side, (K, n·L), with one product
per 4-64 MB of columns: 1.6-3.8x slower than the threads under load (each product still wakes BLAS's
threads), 1.2-1.3x slower than one product per sample when idle (the columns leave the cache), and
5-30% slower with one thread. Splitting the small convolutions of the MNIST and φ⁴ networks too
(O·K·L from 2^14 on, not only from 2^19): the φ⁴ step 10-15% faster on an idle machine with 2 threads
(9.7-10.1 ms instead of 10.5-12.2 ms, A/B in one process, commit 27599ea), MNIST unchanged; an earlier
measurement under load had found it 12-15% slower, where 2-thread timings are erratic anyway.
Accumulating dL/dw per sample with matmul(out=) instead of .sum(axis=0): no faster.
"""
import math
import threading

import numpy as np

from ..ops import conv as _ops
from ..ops.conv_reference import (conv2d_backward_input_reference, conv2d_backward_weight_reference,
                             conv2d_forward_reference, output_size)
from . import backend as _backend
from . import parallel, winograd
from .im2col import col2im_numba, col2im_numpy, im2col_numba, im2col_numpy
from .warmup import numba_kernel

CHUNK_ELEMENTS = 1 << 18          # columns of one chunk: 256 K numbers = 1 MB in float32
WINOGRAD_CHUNK_ELEMENTS = 1 << 18  # transformed tiles (V and M) of one chunk
WINOGRAD_MIN_CHANNELS = 256       # C·O from which a 3×3, stride-1 convolution uses Winograd
WORKSPACE_LIMIT = 1 << 22         # scratch buffers up to 4 M numbers are kept for the next call
PARALLEL_MIN_PRODUCT = 1 << 14    # O·K·L of one sample from which the samples are split over threads
_workspace = threading.local()    # buffers per thread, so concurrent threads never share one


def conv2d_output_shape(x_shape, w_shape, stride, padding, dilation):
    """(N, O, Ho, Wo) of a convolution, from the input and weight shapes."""
    (N, _, H, W), (O, _, kh, kw) = x_shape, w_shape
    return (N, O, output_size(H, kh, stride[0], padding[0] + padding[1], dilation[0]),
            output_size(W, kw, stride[1], padding[2] + padding[3], dilation[1]))


def _chunks(N, per_sample, elements=None):
    """Sample ranges [start, stop) whose scratch (per_sample numbers each) fills about `elements`
    (default CHUNK_ELEMENTS)."""
    size = max(1, min(N, (elements or CHUNK_ELEMENTS) // max(1, per_sample)))
    return [(s, min(N, s + size)) for s in range(0, N, size)]


def _map_chunks(work, chunks, product):
    """[work(start, stop) for each chunk]: on this thread, or spread over BLAS's threads when one
    sample's products are large (product = O·C·kh·kw·Ho·Wo, the multiply-adds of a direct convolution)."""
    threads = parallel.threads() if product >= PARALLEL_MIN_PRODUCT and len(chunks) > 1 else None
    if threads and threads > 1:
        return parallel.map_chunks(work, chunks, threads)
    return [work(start, stop) for start, stop in chunks]


def _scratch(name, shape, dtype):
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


def _forward_im2col(x, w, bias, stride, padding, dilation, use_numba):
    """y[n] = w (O, K) @ cols[n] (K, L) + bias, one broadcast matmul per chunk of samples."""
    geo = _Im2col(x.shape, w.shape, stride, padding, dilation, use_numba)
    N, O = x.shape[0], w.shape[0]
    y = np.empty((N, O, geo.L), dtype=x.dtype)
    w2 = w.reshape(O, geo.K)

    def chunk(s, e):
        np.matmul(w2, geo.im2col(x[s:e], _scratch("cols", (e - s, geo.K, geo.L), x.dtype)), out=y[s:e])
    _map_chunks(chunk, _chunks(N, geo.K * geo.L), O * geo.K * geo.L)
    y = y.reshape(N, O, geo.Ho, geo.Wo)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def _backward_im2col(x, w, gy, stride, padding, dilation, need_x, need_w, use_numba):
    """dL/dw = Σ_n g[n] (O, L) @ cols[n]ᵀ;   dL/dx = col2im(wᵀ (K, O) @ g[n]). Columns rebuilt per chunk.

    dL/dw is computed transposed, as Σ_n cols[n] @ g[n]ᵀ (K, O): measured 1.4x faster with OpenBLAS.
    """
    geo = _Im2col(x.shape, w.shape, stride, padding, dilation, use_numba)
    N, O = x.shape[0], w.shape[0]
    gy = np.ascontiguousarray(gy).reshape(N, O, geo.L)
    w2 = w.reshape(O, geo.K)
    gx = np.zeros(x.shape, dtype=x.dtype) if need_x else None

    def chunk(s, e):
        """Fills gx[s:e]; returns this chunk's share of dL/dwᵀ."""
        cols = _scratch("cols", (e - s, geo.K, geo.L), x.dtype)
        gw_t = np.matmul(geo.im2col(x[s:e], cols), gy[s:e].transpose(0, 2, 1)).sum(axis=0) if need_w else None
        if need_x:
            geo.col2im_add(np.matmul(w2.T, gy[s:e], out=cols), gx[s:e])
        return gw_t
    shares = _map_chunks(chunk, _chunks(N, geo.K * geo.L), O * geo.K * geo.L)
    return gx, (_add_up(shares).T.reshape(w.shape) if need_w else None)


def _add_up(shares):
    """Σ of the chunks' weight-gradient shares, added into the first one in place (each share is a
    fresh array of its chunk; sum() made a new array per chunk: 1.4 ms on the Winograd layer)."""
    total = shares[0]
    for share in shares[1:]:
        total += share
    return total


# ---- Winograd F(2×2, 3×3) (tinynn/kernels/winograd.py has the maths) -----------------------------
def uses_winograd(w_shape, stride, dilation):
    """True when conv2d_forward/backward take the Winograd path: a 3×3 kernel, stride 1, dilation 1,
    and C·O >= WINOGRAD_MIN_CHANNELS (below that the transforms cost about as much as the products
    save or more: see the module docstring)."""
    O, C, kh, kw = w_shape
    return (kh, kw) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and \
        C * O >= WINOGRAD_MIN_CHANNELS


WINOGRAD_NUMBA = tuple(numba_kernel("tinynn.kernels.numba_winograd", name) for name in
                       ("input_numba", "input_adjoint_numba", "output_numba", "output_adjoint_numba"))
WINOGRAD_NUMPY = (winograd.input_numpy, winograd.input_adjoint_numpy, winograd.output_numpy,
                  winograd.output_adjoint_numpy)


def _winograd_kernels(use_numba):
    """The tile transforms (input, input_adjoint, output, output_adjoint): numba's, or the numpy twins."""
    return WINOGRAD_NUMBA if use_numba else WINOGRAD_NUMPY


def _forward_winograd(x, w, bias, stride, padding, dilation, use_numba):
    """y = x ⋆ w + bias for a 3×3 kernel, stride 1: per chunk of samples, tiles V = input transform of x,
    M[ξ] = U[ξ] @ V[ξ] (16 BLAS products, U = weight transform), y = output transform of M + bias."""
    (N, C, H, W), O = x.shape, w.shape[0]
    Ho, Wo = H + padding[0] + padding[1] - 2, W + padding[2] + padding[3] - 2
    th, tw, S = winograd.tiles(Ho, Wo)
    to_tiles, _, from_tiles, _ = _winograd_kernels(use_numba)
    u = winograd.weight_transform(w)
    bias = np.zeros(0, dtype=x.dtype) if bias is None else np.ascontiguousarray(bias, dtype=x.dtype)
    y = np.empty((N, O, Ho, Wo), dtype=x.dtype)

    def chunk(s, e):
        n = e - s
        v = to_tiles(x[s:e], th, tw, padding[0], padding[2], _scratch("v", (16, C, n, S), x.dtype))
        m = np.matmul(u, v.reshape(16, C, n * S), out=_scratch("m", (16, O, n * S), x.dtype))
        from_tiles(m.reshape(16, O, n, S), th, tw, bias, y[s:e])
    _map_chunks(chunk, _chunks(N, 16 * (C + O) * S, WINOGRAD_CHUNK_ELEMENTS), O * C * 9 * Ho * Wo)
    return y


def _backward_winograd(x, w, gy, stride, padding, dilation, need_x, need_w, use_numba):
    """The forward steps' adjoints in reverse, per chunk: dM = output_adjoint(dY); dL/dw = Gᵀ (Σ dM[ξ] @
    V[ξ]ᵀ) G with V recomputed; dL/dx = input_adjoint(U[ξ]ᵀ @ dM[ξ])."""
    (N, C, H, W), O = x.shape, w.shape[0]
    if not (need_x or need_w):
        return None, None
    gy = np.ascontiguousarray(gy)
    th, tw, S = winograd.tiles(*gy.shape[2:])
    to_tiles, from_tiles_adjoint, _, adjoint = _winograd_kernels(use_numba)
    u_t = winograd.weight_transform(w).transpose(0, 2, 1)
    gx = np.empty(x.shape, dtype=x.dtype) if need_x else None

    def chunk(s, e):
        """Fills gx[s:e]; returns this chunk's share of dU."""
        n = e - s
        dm = adjoint(gy[s:e], th, tw, _scratch("m", (16, O, n, S), x.dtype)).reshape(16, O, n * S)
        v = _scratch("v", (16, C, n, S), x.dtype)
        du = None
        if need_w:
            to_tiles(x[s:e], th, tw, padding[0], padding[2], v)
            du = np.matmul(dm, v.reshape(16, C, n * S).transpose(0, 2, 1))
        if need_x:
            np.matmul(u_t, dm, out=v.reshape(16, C, n * S))
            from_tiles_adjoint(v, th, tw, padding[0], padding[2], gx[s:e])
        return du
    shares = _map_chunks(chunk, _chunks(N, 16 * (C + O) * S, WINOGRAD_CHUNK_ELEMENTS), O * C * 9 * H * W)
    if not need_w:
        return gx, None
    return gx, winograd.weight_transform_adjoint(_add_up(shares))


# ---- the algorithms, and the entry points -------------------------------------------------------------
def _always(w_shape, stride, dilation):
    return True


# The first row whose test passes runs (backend 'reference' runs the loops of tinynn/ops/conv_reference.py).
# A new algorithm is its module (maths and numpy twin, + numba_<name>.py), its two drivers and one row here.
ALGORITHMS = (
    # name      applies(w_shape, stride, dilation)   forward(x, w, bias, stride, padding, dilation, use_numba),
    #                                                backward(x, w, gy, stride, padding, dilation, need_x, need_w, use_numba)
    ("winograd", uses_winograd, _forward_winograd, _backward_winograd),
    ("im2col", _always, _forward_im2col, _backward_im2col),
)


def algorithm(w_shape, stride, dilation):
    """The row of ALGORITHMS that runs a convolution of these shapes."""
    return next(row for row in ALGORITHMS if row[1](w_shape, stride, dilation))


def conv2d_forward(x, w, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), backend=None, bias=None):
    """Cross-correlation of x (N, C, H, W) with w (O, C, kh, kw) -> (N, O, Ho, Wo), zero padding,
    plus bias (O,) if given (the Winograd path adds it while writing y: one pass over y less, which
    took 2.6 ms for the 64×64×32×32 output of the layer in the module docstring)."""
    name = _backend.resolve(backend, x.dtype)
    if name == "reference":
        y = conv2d_forward_reference(x, w, stride, padding, dilation)
        return y if bias is None else y + bias.reshape(1, -1, 1, 1)
    forward = algorithm(w.shape, stride, dilation)[2]
    return forward(np.ascontiguousarray(x), w, bias, stride, padding, dilation, name == "numba")


def conv2d_backward(x, w, gy, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                    need_x=True, need_w=True, backend=None):
    """(dL/dx, dL/dw) of conv2d_forward given gy = dL/dy; a gradient not needed is returned as None."""
    name = _backend.resolve(backend, x.dtype)
    if name == "reference":
        return (conv2d_backward_input_reference(gy, w, x.shape, stride, padding, dilation) if need_x else None,
                conv2d_backward_weight_reference(x, gy, w.shape, stride, padding, dilation) if need_w else None)
    backward = algorithm(w.shape, stride, dilation)[3]
    return backward(np.ascontiguousarray(x), w, gy, stride, padding, dilation, need_x, need_w, name == "numba")


class Conv2d(_ops.Conv2d):
    """The Conv2d op with `correlate` on these kernels (backend 'reference' runs the base class's loops)."""
    @staticmethod
    def correlate(x, w, b, stride, padding, dilation, backend):
        return conv2d_forward(x, w, stride, padding, dilation, backend, bias=b)

    @staticmethod
    def correlate_backward(x, w, g, stride, padding, dilation, backend, need_x, need_w):
        return conv2d_backward(x, w, g, stride, padding, dilation, need_x, need_w, backend)
