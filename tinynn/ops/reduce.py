"""Reductions over `axis` (None = all axes, an int, or a tuple), with `keepdims` as in numpy.

The backward of a reduction re-inserts the reduced axes (length 1) and broadcasts g back over them.
"""
import numpy as np

from ..checks import axes as _axes
from ..function import Function


def _expand(g, axes, keepdims):
    """Give g back the reduced axes as length-1 axes (unless keepdims already kept them)."""
    return g if keepdims else np.expand_dims(g, axes)


def logsumexp_array(x, axes, keepdims=False):
    """log Σ_axes e^x = m + log Σ e^(x - m) with m = max x, so no e^x overflows. An infinite m is
    left out of the shift (x - m would be inf - inf): a row holding +inf gives +inf, an all -inf row -inf."""
    m = x.max(axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = m + np.log(np.exp(x - m).sum(axis=axes, keepdims=True))
    return out if keepdims else np.squeeze(out, axes)


class Sum(Function):
    """out = Σ_axis x.   d/dx = 1: every input element receives g of its sum."""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("sum", axis, x.shape)
        self.save_for_backward(axes, keepdims, x.shape)
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        axes, keepdims, shape = self.saved
        return np.broadcast_to(_expand(g, axes, keepdims), shape)


class Max(Function):
    """out = max_axis x.   d/dx = 1 at the maximum, 0 elsewhere; tied maxima share g equally."""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("max", axis, x.shape)
        out = x.max(axis=axes, keepdims=True)
        self.save_for_backward(x == out, axes, keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        hit, axes, keepdims = self.saved
        return hit * (_expand(g, axes, keepdims) / hit.sum(axis=axes, keepdims=True))


class LogSumExp(Function):
    """out = log Σ_axis e^x (logsumexp_array).   d/dx = e^(x - out) = softmax(x) along axis."""
    def forward(self, x, axis=None, keepdims=False):
        axes = _axes("logsumexp", axis, x.shape)
        out = logsumexp_array(x, axes, keepdims=True)
        self.save_for_backward(x, out, axes, keepdims)
        return out if keepdims else np.squeeze(out, axes)

    def backward(self, g):
        x, out, axes, keepdims = self.saved
        return _expand(g, axes, keepdims) * np.exp(x - out)


def _count(x, axis, op):
    """How many elements each output of a reduction over `axis` sums."""
    return int(np.prod([x.shape[a] for a in _axes(op, axis, x.shape)]))


def mean(x, axis=None, keepdims=False):
    """Σ x / n over the reduced axes (float16 is summed in float32, as numpy does: its sum overflows)."""
    if x.dtype == np.float16:
        return mean(x.astype(np.float32), axis, keepdims).astype(np.float16)
    return Sum.apply(x, axis=axis, keepdims=keepdims) / _count(x, axis, "mean")


def min(x, axis=None, keepdims=False):  # noqa: A001  (mirrors numpy's name)
    """min x = -max(-x)."""
    return -Max.apply(-x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False, correction=1):
    """Σ (x - mean)² / (n - correction): unbiased (correction=1) by default, as in PyTorch."""
    n = _count(x, axis, "var")
    if n - correction <= 0:
        raise ValueError(f"var/std over {n} element(s) with correction={correction} divides by zero")
    d = x - mean(x, axis=axis, keepdims=True)
    return Sum.apply(d * d, axis=axis, keepdims=keepdims) / (n - correction)


def std(x, axis=None, keepdims=False, correction=1):
    """√var."""
    return var(x, axis=axis, keepdims=keepdims, correction=correction) ** 0.5
