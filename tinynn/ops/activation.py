"""Activation functions, each in a numerically stable form (finite, warning-free at |x| = 1000).

The three stable formulas below are written once here; the losses use them too.
"""
import numpy as np

from ..checks import axis as _axis
from ..function import Function
from .reduce import shifted_logsumexp


def stable_sigmoid(x):
    """σ(x) = 1/(1+e^-x) = e^x/(1+e^x), evaluated with z = e^-|x| ∈ (0, 1] so nothing overflows:
    σ = 1/(1+z) for x ≥ 0 and z/(1+z) for x < 0 — one shared denominator."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, z) / (1 + z)


def stable_softplus(x):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def stable_log_softmax(x, axis):
    """log softmax(x)_i = x_i - log Σ_j e^(x_j) = (x_i - m) - log Σ_j e^(x_j - m), m = max x (reduce.py)."""
    _, shifted, log_sum = shifted_logsumexp(x, (axis,))
    return shifted - log_sum


class Sigmoid(Function):
    """out = σ(x) = 1 / (1 + e^-x).   d/dx = σ(x)(1 - σ(x))."""
    def forward(self, x):
        out = stable_sigmoid(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        s = self.saved[0]
        return g * s * (1 - s)


class Tanh(Function):
    """out = tanh x.   d/dx = 1 - tanh²x."""
    def forward(self, x):
        out = np.tanh(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        t = self.saved[0]
        return g * (1 - t * t)


class ReLU(Function):
    """out = max(x, 0) (NaN stays NaN, -inf becomes 0).   d/dx = 1 for x > 0, else 0: dL/dx = g · [x > 0]."""
    def forward(self, x):
        self.save_for_backward(x > 0)
        return np.maximum(x, 0)

    def backward(self, g):
        return g * self.saved[0]


class LeakyReLU(Function):
    """out = x for x > 0, slope·x otherwise.   d/dx = 1 or slope."""
    def forward(self, x, negative_slope=0.01):
        factor = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        self.save_for_backward(factor)
        return x * factor

    def backward(self, g):
        return g * self.saved[0]


class ELU(Function):
    """out = x for x > 0, α(e^x - 1) otherwise.   d/dx = 1 or α e^x = out + α."""
    def forward(self, x, alpha=1.0):
        neg = alpha * np.expm1(np.minimum(x, 0))
        positive = x > 0
        self.save_for_backward(positive, neg + alpha)
        return np.where(positive, x, neg)

    def backward(self, g):
        positive, slope = self.saved
        return g * np.where(positive, 1, slope)


class Softplus(Function):
    """out = (1/β) log(1 + e^(βx)) = max(x,0) + log1p(e^-β|x|)/β.   d/dx = σ(βx)."""
    def forward(self, x, beta=1.0):
        self.save_for_backward(x, beta)
        return stable_softplus(beta * x) / beta

    def backward(self, g):
        x, beta = self.saved
        return g * stable_sigmoid(beta * x)


class LogSoftmax(Function):
    """out_i = x_i - log Σ_j e^(x_j)  (stable_log_softmax).   d/dx: g - softmax · Σg, softmax = e^out."""
    def forward(self, x, axis=-1):
        axis = _axis("log_softmax", axis, x.shape)
        out = stable_log_softmax(x, axis)
        self.save_for_backward(out, axis)
        return out

    def backward(self, g):
        out, axis = self.saved
        return g - np.exp(out) * g.sum(axis=axis, keepdims=True)


class Softmax(Function):
    """out_i = e^(x_i) / Σ_j e^(x_j) = e^(log softmax).   d/dx = out · (g - Σ_j g_j out_j)."""
    def forward(self, x, axis=-1):
        axis = _axis("softmax", axis, x.shape)
        out = np.exp(stable_log_softmax(x, axis))
        self.save_for_backward(out, axis)
        return out

    def backward(self, g):
        out, axis = self.saved
        return out * (g - (g * out).sum(axis=axis, keepdims=True))
