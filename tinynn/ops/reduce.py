"""Reductions over `axis` (None = all axes, an int, or a tuple), with `keepdims` as in numpy.

The backward of a reduction re-inserts the reduced axes (length 1) and broadcasts g back over them.
"""
import math

import numpy as np

from ..checks import axes as _axes
from ..function import Function


def _expand(g, axes, keepdims):
    """Give g back the reduced axes as length-1 axes (unless keepdims already kept them)."""
    if keepdims:
        return g
    shape = list(g.shape)
    for a in axes:                   # ascending, so each insertion lands where the axis was
        shape.insert(a, 1)
    return g.reshape(shape)


def shifted_logsumexp(x, axes):
    """(m, x - m, log Σ_axes e^(x - m)) with m = max x over axes (kept as length-1 axes).

    log Σ e^x = m + the last; log softmax = x - m - the last. Shifting by the max keeps every
    e^(x - m) ≤ 1, so nothing overflows. An infinite m is left out of the shift (x - m would be
    inf - inf): a row holding +inf gives +inf, an all -inf row -inf."""
    m = x.max(axis=axes, keepdims=True)
    if np.isfinite(m).all():                      # the common case: the max term alone makes the sum ≥ 1
        shifted = x - m
        return m, shifted, np.log(np.exp(shifted).sum(axis=axes, keepdims=True))
    m = np.where(np.isfinite(m), m, 0)
    shifted = x - m
    with np.errstate(divide="ignore"):
        return m, shifted, np.log(np.exp(shifted).sum(axis=axes, keepdims=True))


class Sum(Function):
    """out = Σ_axis x.   d/dx = 1: every input element receives g of its sum."""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("sum", axis, x.shape)
        self.save_for_backward(axes, keepdims, x.shape)
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        axes, keepdims, shape = self.saved
        return np.broadcast_to(_expand(g, axes, keepdims), shape)


class Mean(Function):
    """out = Σ_axis x / n, n = the number of elements in each sum.   d/dx = 1/n: each element receives g/n.

    (numpy's mean, which sums float16 in float32: a float16 sum of many elements would overflow.)"""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("mean", axis, x.shape)
        n = math.prod(x.shape[a] for a in axes)
        if n == 0:
            raise ValueError(f"mean: no elements to average over (tensor of shape {x.shape}, axis {axis})")
        self.save_for_backward(axes, keepdims, x.shape, n)
        return x.mean(axis=axes, keepdims=keepdims)

    def backward(self, g):
        axes, keepdims, shape, n = self.saved
        return np.broadcast_to(_expand(g, axes, keepdims) / n, shape)


class Max(Function):
    """out = max_axis x.   d/dx = 1 at the maximum, 0 elsewhere; tied maxima share g equally."""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("max", axis, x.shape)
        out = x.max(axis=axes, keepdims=True)
        self.save_for_backward(np.equal(x, out), axes, keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        hit, axes, keepdims = self.saved
        return hit * (_expand(g, axes, keepdims) / hit.sum(axis=axes, keepdims=True))


class LogSumExp(Function):
    """out = log Σ_axis e^x = m + log Σ e^(x - m), m = max x.   d/dx = e^(x - out) = softmax(x) along axis."""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("logsumexp", axis, x.shape)
        m, _, log_sum = shifted_logsumexp(x, axes)
        out = m + log_sum
        self.save_for_backward(x, out, axes, keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        x, out, axes, keepdims = self.saved
        return _expand(g, axes, keepdims) * np.exp(x - out)
