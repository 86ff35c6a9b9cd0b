"""Convolution and pooling layers for (N, C, H, W) images, with PyTorch's names, arguments and defaults.

Keras users: the layout is channels-first (PyTorch's), so a batch of MNIST digits is (N, 1, 28, 28);
a channels-last (N, 28, 28, 1) batch gives an error that says how to permute it. Keras'
GlobalAveragePooling2D is GlobalAvgPool2d here (or AdaptiveAvgPool2d(1) followed by Flatten).
"""

import numpy as np

from ..ops.padding import MODES
from ..ops.conv import adaptive_avg_pool2d, avg_pool2d, conv2d, conv_padding, max_pool2d, pair
from . import init
from .module import Module, empty_parameter


def _positive(name, value, layer):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


class Conv2d(Module):
    """y = x ⋆ W + b: out_channels filters of shape (in_channels, kh, kw) slid over the input.

    Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True,
           padding_mode='zeros', dtype=None)
    padding: int, (h, w), 'same' (output size = input size; stride 1 only) or 'valid' (no padding).
    padding_mode: 'zeros', 'circular' (periodic boundaries, e.g. lattices) or 'reflect'.
    Shapes: input (N, in_channels, H, W) -> (N, out_channels, Ho, Wo),
    Ho = (H + pad_top + pad_bottom - dilation·(kh - 1) - 1) // stride + 1 (and likewise Wo).
    Initialisation as in PyTorch: W, b ~ U(-1/√fan_in, 1/√fan_in), fan_in = in_channels·kh·kw.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True,
                 padding_mode="zeros", dtype=None):
        super().__init__()
        self.in_channels = _positive("in_channels", in_channels, "Conv2d")
        self.out_channels = _positive("out_channels", out_channels, "Conv2d")
        self.kernel_size, self.stride = pair(kernel_size, "kernel_size"), pair(stride, "stride")
        self.dilation = pair(dilation, "dilation")
        for name in ("kernel_size", "stride", "dilation"):
            if min(getattr(self, name)) < 1:
                raise ValueError(f"Conv2d: {name} must be >= 1, got {getattr(self, name)}")
        if padding_mode not in MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {MODES}, got {padding_mode!r}")
        conv_padding(padding, self.kernel_size, self.stride, self.dilation)    # fail now, not at the first call
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding")
        self.padding_mode = padding_mode
        self.weight = empty_parameter(self.out_channels, self.in_channels, *self.kernel_size, dtype=dtype)
        if bias:
            self.bias = empty_parameter(self.out_channels, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W, b ~ U(-1/√fan_in, 1/√fan_in), fan_in = in_channels·kh·kw (init.default_)."""
        init.default_(self.weight, self.bias)

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.padding_mode,
                      layer=self)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class _Pool(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        for name in ("kernel_size", "stride", "padding"):        # fail now, not at the first call
            pair(getattr(self, name), name)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool):
    """Maximum over kernel_size windows moved by stride (default: kernel_size): (N, C, H, W) -> (N, C, Ho, Wo).

    Padding (at most half the kernel) is -inf. The gradient goes to each window's maximum (the first
    one in row-major order when several are equal).
    """

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, layer=self)


class AvgPool2d(_Pool):
    """Mean over kernel_size windows moved by stride (default: kernel_size); zero padding counts."""

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, layer=self)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size: AdaptiveAvgPool2d(1) gives the global mean (N, C, 1, 1).

    Other output sizes must divide the input size (then it is AvgPool2d with kernel = stride = H // size).
    """

    def __init__(self, output_size):
        super().__init__()
        pair(output_size, "output_size")
        self.output_size = output_size

    def forward(self, x):
        return adaptive_avg_pool2d(x, self.output_size, layer=self)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class GlobalAvgPool2d(Module):
    """Mean over all positions of each channel: (N, C, H, W) -> (N, C) (Keras' GlobalAveragePooling2D)."""

    def forward(self, x):
        return adaptive_avg_pool2d(x, 1, layer=self).flatten(-3)
