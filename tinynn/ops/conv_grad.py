"""The backward passes of convolution and pooling as ops of their own, so a gradient that went through
a convolution or a pool can be differentiated again (create_graph=True).

Each is linear in the gradient it receives, and its own backward is the op it came from (the adjoint
of an adjoint is the op again): the transposed convolution's backward is the convolution, the
un-pooling's backward is the pooling, folding's backward is padding. So no derivative is written
twice. On plain arrays (an ordinary backward pass) none of them builds a graph: `correlate_backward`
runs the convolution's own loops in one call, and the others run through `Function.call`.
"""
import numpy as np

from ..function import Function, fast_paths
from ..tensor import Tensor
from . import conv
from .padding import fold2d, pad2d
from .pooling import avg_unpool_numpy, max_unpool_numpy


def _data(a):
    return a.data if isinstance(a, Tensor) else a


def _conv():
    """The Conv2d class that runs: its fast path from the table in tinynn/kernels, or the op itself."""
    return type(fast_paths.get(conv.Conv2d, conv.Conv2d)())


def correlate_backward(op, x, w, g, geometry, need_x, need_w):
    """(dL/dx, dL/dw) of op.correlate (None where not needed): op's own loops on arrays; on Tensors the
    two ops below, so the gradients are in the graph."""
    if not (isinstance(x, Tensor) or isinstance(w, Tensor) or isinstance(g, Tensor)):
        return op.correlate_backward(x, w, g, *geometry, need_x, need_w)
    return (ConvInputGrad.apply(g, w, x_like=_data(x), geometry=geometry) if need_x else None,
            ConvWeightGrad.apply(x, g, w_like=_data(w), geometry=geometry) if need_w else None)


def _correlate(x, w, geometry):
    stride, padding, dilation, backend = geometry
    return conv.Conv2d.call(x, w, None, stride=stride, padding=padding, dilation=dilation, backend=backend)


class ConvInputGrad(Function):
    """out = dL/dx = the transposed convolution of gy with w (x's shape; x_like gives shape and dtype only).

    Bilinear, with ⟨out, h⟩ = ⟨gy, conv(h, w)⟩:   d/dgy = conv(h, w),   d/dw = the weight gradient of conv at (h, gy).
    """
    def forward(self, gy, w, x_like, geometry):
        self.save_for_backward(gy, w, geometry)
        return _conv().correlate_backward(x_like, w, gy, *geometry, True, False)[0]

    def backward(self, h):
        gy, w, geometry = self.saved
        need_gy, need_w = self.needs_input_grad
        return (_correlate(h, w, geometry) if need_gy else None,
                correlate_backward(_conv(), h, w, gy, geometry, False, True)[1] if need_w else None)

    replay = Function.replay_inputs


class ConvWeightGrad(Function):
    """out = dL/dw = Σ_n gy[n] ⋆ x[n] (w's shape; w_like gives shape and dtype only).

    Bilinear, with ⟨out, H⟩ = ⟨gy, conv(x, H)⟩:   d/dx = the transposed convolution of gy with H,   d/dgy = conv(x, H).
    """
    def forward(self, x, gy, w_like, geometry):
        self.save_for_backward(x, gy, geometry)
        return _conv().correlate_backward(x, w_like, gy, *geometry, False, True)[1]

    def backward(self, h):
        x, gy, geometry = self.saved
        need_x, need_gy = self.needs_input_grad
        return (correlate_backward(_conv(), x, h, gy, geometry, True, False)[0] if need_x else None,
                _correlate(x, h, geometry) if need_gy else None)

    replay = Function.replay_inputs


class Pad2d(Function):
    """out = x with pads = (top, bottom, left, right) rows/columns added in mode 'circular' (periodic) or
    'reflect', copied from x itself (padding.py).   d/dx = Fold2d(g): each border element's gradient is
    added back onto the element it was copied from."""
    def forward(self, x, pads, mode):
        self.save_for_backward(pads, mode)
        return pad2d(x, pads, mode)

    def backward(self, g):
        pads, mode = self.saved
        return Fold2d.call(g, pads=pads, mode=mode)

    replay = Function.replay_inputs


class Fold2d(Function):
    """out = fold(g), Pad2d's backward (its adjoint).   d/dg = Pad2d: padding is fold's adjoint in turn."""
    def forward(self, g, pads, mode):
        self.save_for_backward(pads, mode)
        return fold2d(g, pads, mode)

    def backward(self, h):
        pads, mode = self.saved
        return Pad2d.call(h, pads=pads, mode=mode)

    replay = Function.replay_inputs


class MaxUnpool2d(Function):
    """out = gy scattered to the window maxima (x's shape): max pooling's backward.   Linear in gy;
    d/dgy = h gathered at the same maxima (max pooling with the maxima fixed): h[n, c].flat[arg]."""
    def forward(self, gy, arg, x_shape):
        self.save_for_backward(arg, x_shape)
        return max_unpool_numpy(gy, arg, x_shape)

    def backward(self, h):
        arg, (N, C, H, W) = self.saved
        n, c = np.arange(N).reshape(N, 1, 1, 1), np.arange(C).reshape(1, C, 1, 1)
        return h.reshape(N, C, H * W)[n, c, arg]

    replay = Function.replay_inputs


class AvgUnpool2d(Function):
    """out = gy / (kh·kw) added to every element of its window (x's shape): average pooling's backward.
    Linear in gy; d/dgy = average pooling of h (its adjoint)."""
    def forward(self, gy, x_shape, kernel, stride, padding=(0, 0, 0, 0), backend=None):
        self.save_for_backward(kernel, stride, padding, backend)
        return avg_unpool_numpy(gy, x_shape, kernel, stride, padding)

    def backward(self, h):
        kernel, stride, padding, backend = self.saved
        return conv.AvgPool2d.call(h, kernel=kernel, stride=stride, padding=padding, backend=backend)

    replay = Function.replay_inputs
