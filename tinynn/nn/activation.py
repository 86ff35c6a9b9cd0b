"""Activation functions as modules (the maths and the backward are in tinynn/ops/activation.py).

Maxout is here too: it is an activation with its own weights.
"""

from .. import ops
from . import init
from .linear import linear
from .module import Module, empty_parameter


class ReLU(Module):
    """max(x, 0)."""
    def forward(self, x):
        return ops.relu(x)


class Tanh(Module):
    def forward(self, x):
        return ops.tanh(x)


class Sigmoid(Module):
    """1 / (1 + e^-x)."""
    def forward(self, x):
        return ops.sigmoid(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise."""
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha·(e^x - 1) otherwise."""
    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return ops.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(βx)) / β, a smooth ReLU."""
    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        return ops.softplus(x, self.beta)

    def extra_repr(self):
        return f"beta={self.beta}"


class Softmax(Module):
    """e^x_i / Σ_j e^x_j along `dim` (the class axis, -1 by default)."""
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return ops.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x_i - log Σ_j e^x_j along `dim`: pair it with NLLLoss (or use CrossEntropyLoss on the logits)."""
    def forward(self, x):
        return ops.log_softmax(x, self.dim)


class Maxout(Module):
    """Maxout(in_features, out_features, pieces): a linear map to out·pieces values, then the max over each
    group of `pieces` (Goodfellow et al. 2013): out_j = max_k (x Wᵀ + b)[j, k].

    A piecewise linear, learnable, convex activation; with pieces=2 it can represent ReLU and |x|.
    Weight shape (out·pieces, in), initialised like Linear.
    """
    def __init__(self, in_features, out_features, pieces=2, dtype=None):
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be at least 1, got {pieces}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        self.weight = empty_parameter(out_features * pieces, in_features, dtype=dtype)
        self.bias = empty_parameter(out_features * pieces, dtype=dtype)
        init.default_(self.weight, self.bias)

    def forward(self, x):
        return maxout(x, self.weight, self.bias, self.pieces)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"


def maxout(x, weight, bias, pieces):
    """Functional Maxout: max over the last axis of linear(x, weight, bias) reshaped to (..., out, pieces)."""
    z = linear(x, weight, bias)
    out = weight.shape[0] // pieces
    return z.reshape(z.shape[:-1] + (out, pieces)).max(axis=-1)

