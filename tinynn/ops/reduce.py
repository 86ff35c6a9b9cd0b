"""Reductions over `axis` (None = all axes, an int, or a tuple), with `keepdims` as in numpy.

The backward of a reduction re-inserts the reduced axes (length 1) and broadcasts g back over them.
"""
import numpy as np

from ..function import Function


def _axes(axis, ndim):
    """Normalise `axis` to a sorted tuple of non-negative ints, with a clear error when out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(a % max(ndim, 1) for a in axes))


def _expand(g, axes, keepdims):
    """Give g back the reduced axes as length-1 axes (unless keepdims already kept them)."""
    return g if keepdims else np.expand_dims(g, axes)


class Sum(Function):
    """out = Σ_axis x.   d/dx = 1: every input element receives g of its sum."""
    def forward(self, x, axis=None, keepdims=False):
        self.axes, self.keepdims, self.shape = _axes(axis, x.ndim), keepdims, x.shape
        return x.sum(axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        return np.broadcast_to(_expand(g, self.axes, self.keepdims), self.shape)


class Max(Function):
    """out = max_axis x.   d/dx = 1 at the maximum, 0 elsewhere; tied maxima share g equally."""
    def forward(self, x, axis=None, keepdims=False):
        self.axes, self.keepdims = _axes(axis, x.ndim), keepdims
        out = x.max(axis=self.axes, keepdims=True)
        self.save_for_backward(x == out)
        return out if keepdims else np.squeeze(out, self.axes)

    def backward(self, g):
        hit = self.saved[0]
        return hit * (_expand(g, self.axes, self.keepdims) / hit.sum(axis=self.axes, keepdims=True))


class LogSumExp(Function):
    """out = log Σ_axis e^x = m + log Σ e^(x-m), m = max x.   d/dx = softmax(x) along axis."""
    def forward(self, x, axis=None, keepdims=False):
        self.axes, self.keepdims = _axes(axis, x.ndim), keepdims
        m = x.max(axis=self.axes, keepdims=True)
        out = m + np.log(np.exp(x - m).sum(axis=self.axes, keepdims=True))
        self.save_for_backward(x, out)
        return out if keepdims else np.squeeze(out, self.axes)

    def backward(self, g):
        x, out = self.saved
        return _expand(g, self.axes, self.keepdims) * np.exp(x - out)


def mean(x, axis=None, keepdims=False):
    """Σ x / n over the reduced axes."""
    n = int(np.prod([x.shape[a] for a in _axes(axis, x.ndim)]))
    return Sum.apply(x, axis=axis, keepdims=keepdims) / n


def min(x, axis=None, keepdims=False):  # noqa: A001  (mirrors numpy's name)
    """min x = -max(-x)."""
    return -Max.apply(-x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False, correction=1):
    """Σ (x - mean)² / (n - correction): unbiased (correction=1) by default, as in PyTorch."""
    n = int(np.prod([x.shape[a] for a in _axes(axis, x.ndim)]))
    if n - correction <= 0:
        raise ValueError(f"var/std over {n} element(s) with correction={correction} divides by zero")
    d = x - mean(x, axis=axis, keepdims=True)
    return Sum.apply(d * d, axis=axis, keepdims=keepdims) / (n - correction)


def std(x, axis=None, keepdims=False, correction=1):
    """√var."""
    return var(x, axis=axis, keepdims=keepdims, correction=correction) ** 0.5
