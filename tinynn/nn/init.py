"""Weight initialisers, named and scaled as in PyTorch's torch.nn.init. Each fills a tensor in place and returns it.

Why the scales: for a layer y = W x with n inputs of unit variance, Var(y) = n Var(W). Keeping the
variance of activations (forward) or of gradients (backward) constant from layer to layer needs
Var(W) = gain² / fan, with fan = fan_in (He/Kaiming, mode='fan_in'), fan_out, or their mean
(Glorot/Xavier: 2 / (fan_in + fan_out)). A uniform U(-a, a) has variance a²/3, so a = √3·std.

`generator=` takes a numpy Generator; by default the global one (reseeded by tinynn.manual_seed).
"""
import math

import numpy as np

from .. import factory


def _rng(generator):
    return factory.default_generator() if generator is None else generator


def _fill(tensor, values):
    tensor.data[...] = values
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The factor by which an activation changes the variance, as in PyTorch.

    linear/conv/sigmoid: 1, tanh: 5/3, relu: √2, leaky_relu(slope): √(2 / (1 + slope²)) (slope 0.01
    by default), selu: 3/4.
    """
    linear = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d",
              "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain('leaky_relu', param): param must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; known: linear, sigmoid, tanh, "
                     "relu, leaky_relu, selu, conv1d/2d/3d")


def calculate_fan_in_and_fan_out(tensor):
    """fan_in, fan_out of a weight of shape (out, in) or (out, in, k1, k2, ...) (kernel sizes multiply both)."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"fan in/out need a weight with at least 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std²)."""
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def constant_(tensor, val):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a), a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std²), std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-bound, bound), bound = √3 · gain / √fan, gain = calculate_gain(nonlinearity, a).

    PyTorch's Linear and Conv default is a=√5 with leaky_relu, i.e. bound = 1/√fan_in.
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std²), std = gain / √fan."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def default_(weight, bias=None, generator=None):
    """PyTorch's default for Linear and Conv layers: W ~ kaiming_uniform_(a=√5) = U(-1/√fan_in, 1/√fan_in)
    and b ~ U(-1/√fan_in, 1/√fan_in), fan_in = in_features (Linear) or in_channels·kh·kw (Conv)."""
    kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        bound = 1 / math.sqrt(_fan(weight, "fan_in"))
        uniform_(bias, -bound, bound, generator)


glorot_uniform_, glorot_normal_ = xavier_uniform_, xavier_normal_
he_uniform_, he_normal_ = kaiming_uniform_, kaiming_normal_
