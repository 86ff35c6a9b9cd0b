"""Convolution and pooling ops on (N, C, H, W) tensors (PyTorch's NCHW layout).

The Functions here hold the math in plain numpy: convolution as the output-pixel loops of
conv_reference.py, pooling as the windows of pooling.py. Padding modes other than zeros pad the
input first (padding.py), then run a 'valid' convolution; the backward folds the padded gradient
back onto the input ('circular' wraps it around the torus). The fast algorithms (im2col on BLAS,
Winograd, numba) replace `correlate` / the pooling loops through the table in tinynn/kernels;
`backend=` chooses among them there ('reference' runs the loops here). The backward passes are ops
of their own on Tensors (conv_grad.py), so a gradient through them can be differentiated again.

conv2d / max_pool2d / avg_pool2d / adaptive_avg_pool2d check their arguments first, so a wrong
shape gives a message naming the layer, the input shape and the expected one.
"""
import numpy as np

from ..checks import as_array
from ..function import Function
from ..tensor import Tensor
from .conv_reference import (conv2d_backward_input_reference, conv2d_backward_weight_reference,
                             conv2d_forward_reference)
from .conv_grad import AvgUnpool2d, Fold2d, MaxUnpool2d, Pad2d, correlate_backward
from .padding import MODES, check_pads, pad2d
from .pooling import avg_pool_numpy, max_pool_numpy


class Conv2d(Function):
    """y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c]  (⋆ = cross-correlation with stride and dilation).

    Shapes: x (N, C, H, W), w (O, C, kh, kw), b (O,) or None -> y (N, O, Ho, Wo).
    dL/dx = the transposed convolution of g with w, dL/dw = Σ_n g[n] ⋆ x[n], dL/db = Σ_{n,p,q} g.
    """
    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                padding_mode="zeros", backend=None):
        zero_pads = padding
        if padding_mode != "zeros":
            x, zero_pads = pad2d(x, padding, padding_mode), (0, 0, 0, 0)
        self.save_for_backward(x, w, (stride, zero_pads, dilation, backend), padding, padding_mode)
        return self.correlate(x, w, b, stride, zero_pads, dilation, backend)

    def backward(self, g):
        x, w, geometry, padding, mode = self.saved
        need_x, need_w, need_b = self.needs_input_grad
        gx, gw = correlate_backward(self, x, w, g, geometry, need_x, need_w)
        if gx is not None and mode != "zeros":
            gx = Fold2d.call(gx, pads=padding, mode=mode)
        return gx, gw, (_bias_grad(g) if need_b else None)

    def replay(self):
        """create_graph=True: this op's state with x (padded as forward padded it) and w as Tensors of the
        graph; the correlation loops themselves run on arrays only, so forward is not replayed."""
        again = self.replay_inputs()
        x, w = self.applied_to[1][:2]
        _, _, geometry, padding, mode = self.saved
        again.saved = (x if mode == "zeros" else Pad2d.apply(x, pads=padding, mode=mode), w, geometry, padding, mode)
        return again

    @staticmethod
    def correlate(x, w, b, stride, padding, dilation, backend):
        """x ⋆ w + b with zero padding: the loops of conv_reference.py."""
        y = conv2d_forward_reference(x, w, stride, padding, dilation)
        return y if b is None else y + b.reshape(1, -1, 1, 1)

    @staticmethod
    def correlate_backward(x, w, g, stride, padding, dilation, backend, need_x, need_w):
        """(dL/dx, dL/dw) of `correlate` (None where not needed): the same loops, run backwards."""
        return (conv2d_backward_input_reference(g, w, x.shape, stride, padding, dilation) if need_x else None,
                conv2d_backward_weight_reference(x, g, w.shape, stride, padding, dilation) if need_w else None)


def _bias_grad(g):
    """Σ_{n,p,q} g[n, o, p, q] as a sum over the batch, then over each plane: numpy's sum over the
    axes (0, 2, 3) at once took 2.2x as long on the φ⁴ network's (64, 16, 16, 16) gradient."""
    return g.sum(axis=0).reshape(g.shape[1], -1).sum(axis=1)


class MaxPool2d(Function):
    """y = max over each window.   dL/dx: g goes to the (first) maximum of its window, 0 elsewhere."""
    def forward(self, x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
        y, arg = max_pool_numpy(x, kernel, stride, padding)
        self.save_for_backward(arg, x.shape, backend)
        return y

    def backward(self, g):
        arg, x_shape, _ = self.saved
        return MaxUnpool2d.call(g, arg=arg, x_shape=x_shape)

    replay = Function.replay_inputs


class AvgPool2d(Function):
    """y = mean over each window (zero padding counted).   dL/dx: g / (kh·kw) to every window element."""
    def forward(self, x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
        self.save_for_backward(x.shape, kernel, stride, padding, backend)
        return avg_pool_numpy(x, kernel, stride, padding)

    def backward(self, g):
        x_shape, kernel, stride, padding, backend = self.saved
        return AvgUnpool2d.call(g, x_shape=x_shape, kernel=kernel, stride=stride, padding=padding, backend=backend)

    replay = Function.replay_inputs


# ---- argument checks -----------------------------------------------------------------------------
def pair(value, what):
    """An int or a pair of ints -> (int, int); anything else is a clear error."""
    ints = (int, np.integer)
    pair_ = (value, value) if isinstance(value, ints) else tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(pair_) != 2 or not all(isinstance(v, ints) and not isinstance(v, bool) for v in pair_):
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return int(pair_[0]), int(pair_[1])


def conv_padding(padding, kernel, stride, dilation):
    """(top, bottom, left, right) for padding = int, (ph, pw), 'valid' or 'same' (as in PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]    # the extra row/column goes after
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return (ph, ph, pw, pw)


def _as_input(x, dtype, layer):
    """x as a Tensor: arrays are wrapped, and with `dtype` (a layer's weight dtype) cast to it, as Linear does."""
    if not isinstance(x, Tensor):
        x = Tensor(as_array(x, dtype, op=str(layer)))
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{layer}: expected numbers, got data of dtype {x.dtype}")
    if dtype is not None and x.dtype != dtype:
        return x.astype(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"{layer}: expected a floating-point input, got dtype {x.dtype}; convert it with x.float()")
    return x


def _check_input(x, channels, layer, what):
    """x must be (N, C, H, W) with C = channels; explain a channels-last (Keras) input."""
    expected = f"(N, {channels}, H, W)" if channels else "(N, C, H, W)"
    if x.ndim != 4:
        raise ValueError(f"{layer}: expected a 4-D input {expected} (batch, channels, height, width), "
                         f"got shape {x.shape}")
    if channels and x.shape[1] != channels:
        hint = ""
        if x.shape[3] == channels:
            hint = ("; it looks channels-last (N, H, W, C), the Keras/TensorFlow layout - tinynn uses "
                    "NCHW like PyTorch, so permute it first: x.permute(0, 3, 1, 2)")
        raise ValueError(f"{layer}: expected input of shape {expected} with {channels} {what}, "
                         f"got {x.shape}{hint}")


def _check_window(x_shape, size, pads, layer, kind):
    """The padded input must be at least as large as the (dilated) window."""
    H, W = x_shape[2] + pads[0] + pads[1], x_shape[3] + pads[2] + pads[3]
    if H < size[0] or W < size[1]:
        raise ValueError(f"{layer}: input of shape {x_shape} is too small for a {size[0]}x{size[1]} {kind} "
                         f"(padded input {H}x{W}); the input height and width must be at least "
                         f"{size[0] - pads[0] - pads[1]} and {size[1] - pads[2] - pads[3]}")


def _batched(fn):
    """Accept an unbatched (C, H, W) input as PyTorch does: run it as a batch of one."""
    def wrapper(input, *args, **kwargs):
        if np.ndim(input.data if isinstance(input, Tensor) else input) == 3:
            out = fn(input.reshape((1,) + tuple(np.shape(input))), *args, **kwargs)
            return out.reshape(out.shape[1:])
        return fn(input, *args, **kwargs)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


# ---- the functions users call (tinynn.functional) ------------------------------------------------
@_batched
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, padding_mode="zeros", backend=None,
           layer="conv2d"):
    """2-D convolution (cross-correlation) of input (N, C, H, W) with weight (O, C, kh, kw), plus bias (O,).

    stride, dilation: int or (h, w). padding: int, (h, w), 'same' or 'valid'; padding_mode: 'zeros',
    'circular' (periodic, e.g. lattices) or 'reflect'. backend: see tinynn.kernels ('auto' by default).
    The input is cast to the weight's dtype (as linear does). `layer` (its str) names the caller in
    error messages; nn.Conv2d passes itself.
    """
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"{layer}: weight must be a 4-D tensor (out_channels, in_channels, kh, kw), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    O, C, kh, kw = weight.shape
    if min(weight.shape) < 1:
        raise ValueError(f"{layer}: the weight (out_channels, in_channels, kh, kw) has an empty axis: {weight.shape}")
    input = _as_input(input, weight.dtype, layer)
    _check_input(input, C, layer, "input channels")
    if bias is not None and bias.dtype != weight.dtype:
        raise TypeError(f"{layer}: the weight is {weight.dtype} but the bias is {bias.dtype}; use one dtype")
    if bias is not None and bias.shape != (O,):
        raise ValueError(f"{layer}: bias must have shape ({O},), got {bias.shape}")
    if padding_mode not in MODES:
        raise ValueError(f"{layer}: padding_mode must be one of {MODES}, got {padding_mode!r}")
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{layer}: stride and dilation must be >= 1, got {stride} and {dilation}")
    pads = conv_padding(padding, (kh, kw), stride, dilation)
    try:
        check_pads(input.shape, pads, padding_mode)
    except ValueError as err:
        raise ValueError(f"{layer}: {err}") from None
    _check_window(input.shape, (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1), pads, layer, "kernel")
    return Conv2d.apply(input, weight, bias, stride=stride, padding=pads, dilation=dilation,
                        padding_mode=padding_mode, backend=backend)


def _pool_args(input, kernel_size, stride, padding, layer):
    """Normalised (kernel, stride, pads) of a pooling call, after checking them and the input."""
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if min(kernel) < 1 or min(stride) < 1:
        raise ValueError(f"{layer}: kernel_size and stride must be >= 1, got {kernel} and {stride}")
    if not (0 <= ph <= kernel[0] // 2 and 0 <= pw <= kernel[1] // 2):
        raise ValueError(f"{layer}: padding must be between 0 and half the kernel size {kernel}, got {(ph, pw)}")
    _check_input(input, None, layer, "")
    _check_window(input.shape, kernel, (ph, ph, pw, pw), layer, "window")
    return kernel, stride, (ph, ph, pw, pw)


@_batched
def max_pool2d(input, kernel_size, stride=None, padding=0, backend=None, layer="max_pool2d"):
    """Maximum over kernel_size windows moved by stride (default: kernel_size); padding is -inf."""
    input = _as_input(input, None, layer)
    kernel, stride, pads = _pool_args(input, kernel_size, stride, padding, layer)
    return MaxPool2d.apply(input, kernel=kernel, stride=stride, padding=pads, backend=backend)


@_batched
def avg_pool2d(input, kernel_size, stride=None, padding=0, backend=None, layer="avg_pool2d"):
    """Mean over kernel_size windows moved by stride (default: kernel_size); zero padding is counted."""
    input = _as_input(input, None, layer)
    kernel, stride, pads = _pool_args(input, kernel_size, stride, padding, layer)
    if kernel == input.shape[2:] and not any(pads):      # one window over everything: numpy's mean is faster
        return input.mean(axis=(2, 3), keepdims=True)
    return AvgPool2d.apply(input, kernel=kernel, stride=stride, padding=pads, backend=backend)


@_batched
def adaptive_avg_pool2d(input, output_size, layer="adaptive_avg_pool2d"):
    """Average pooling to a given output size: 1 is the global average (N, C, 1, 1).

    Output sizes that divide the input size are plain average pooling with kernel = stride = H // out.
    """
    oh, ow = pair(output_size, "output_size")
    input = _as_input(input, None, layer)
    _check_input(input, None, layer, "")
    H, W = input.shape[2:]
    if (oh, ow) == (1, 1):
        return input.mean(axis=(2, 3), keepdims=True)
    if oh < 1 or ow < 1 or H < oh or W < ow or H % oh or W % ow:
        raise ValueError(f"{layer}: output size {(oh, ow)} must divide the input size {(H, W)} "
                         f"of the input {input.shape} (or be 1 for global average pooling)")
    return AvgPool2d.apply(input, kernel=(H // oh, W // ow), stride=(H // oh, W // ow))
