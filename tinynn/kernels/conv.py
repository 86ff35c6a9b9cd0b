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
import numpy as np

from ..ops import conv as _ops
from ..ops.conv_reference import (conv2d_backward_input_reference, conv2d_backward_weight_reference,
                             conv2d_forward_reference, output_size)
from . import backend as _backend
from . import im2col, winograd

WINOGRAD_MIN_CHANNELS = 256       # C·O from which a 3×3, stride-1 convolution uses Winograd


def conv2d_output_shape(x_shape, w_shape, stride, padding, dilation):
    """(N, O, Ho, Wo) of a convolution, from the input and weight shapes."""
    (N, _, H, W), (O, _, kh, kw) = x_shape, w_shape
    return (N, O, output_size(H, kh, stride[0], padding[0] + padding[1], dilation[0]),
            output_size(W, kw, stride[1], padding[2] + padding[3], dilation[1]))


# ---- Winograd F(2×2, 3×3) (tinynn/kernels/winograd.py has the maths) -----------------------------
def uses_winograd(w_shape, stride, dilation):
    """True when conv2d_forward/backward take the Winograd path: a 3×3 kernel, stride 1, dilation 1,
    and C·O >= WINOGRAD_MIN_CHANNELS (below that the transforms cost about as much as the products
    save or more: see the module docstring)."""
    O, C, kh, kw = w_shape
    return (kh, kw) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and \
        C * O >= WINOGRAD_MIN_CHANNELS


# ---- the algorithms, and the entry points -------------------------------------------------------------
def _always(w_shape, stride, dilation):
    return True


# The first row whose test passes runs (backend 'reference' runs the loops of tinynn/ops/conv_reference.py).
# A new algorithm is its module (maths, numpy twin, driver; + numba_<name>.py) and one row here:
#   (name, applies(w_shape, stride, dilation),
#    forward(x, w, bias, stride, padding, dilation, use_numba),
#    backward(x, w, gy, stride, padding, dilation, need_x, need_w, use_numba))
ALGORITHMS = (
    ("winograd", uses_winograd, winograd.forward, winograd.backward),
    ("im2col", _always, im2col.forward, im2col.backward),
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
