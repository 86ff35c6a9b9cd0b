"""Functions composed from the ops with a backward (arithmetic, reduce, shape): they need no
derivative of their own, because autodiff differentiates the composition. Not on the reading path
of the chain rule; read them as examples of what the core ops build.
"""
import math

from ..checks import as_tensor, axes as _axes, axis as _axis, operand as _operand
from .arithmetic import Maximum
from .reduce import Max, Mean, Sum
from .shape import Concat, Permute, Reshape


def minimum(x, y):
    """min(x, y) = -max(-x, -y), so it shares Maximum's backward."""
    return -Maximum.apply(-_operand(x, y, "minimum"), -_operand(y, x, "minimum"))


def min(x, axis=None, keepdims=False):  # noqa: A001  (mirrors numpy's name)
    """min x = -max(-x)."""
    x = as_tensor(x, "min")
    _axes("min", axis, x.shape)
    return -Max.apply(-x, axis=axis, keepdims=keepdims)


def _var(x, axis, keepdims, correction, op):
    x = as_tensor(x, op)
    n = math.prod(x.shape[a] for a in _axes(op, axis, x.shape))   # elements in each sum
    if n - correction <= 0:
        raise ValueError(f"{op}: over {n} element(s) with correction={correction} divides by zero")
    d = x - Mean.apply(x, axis=axis, keepdims=True)
    return Sum.apply(d * d, axis=axis, keepdims=keepdims) / (n - correction)


def var(x, axis=None, keepdims=False, correction=1):
    """Σ (x - mean)² / (n - correction): unbiased (correction=1) by default, as in PyTorch."""
    return _var(x, axis, keepdims, correction, "var")


def std(x, axis=None, keepdims=False, correction=1):
    """√var."""
    return _var(x, axis, keepdims, correction, "std") ** 0.5


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one (PyTorch's flatten)."""
    x = as_tensor(x, "flatten")
    start, end = _axis("flatten", start_dim, x.shape), _axis("flatten", end_dim, x.shape)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    return Reshape.apply(x, shape=x.shape[:start] + (-1,) + x.shape[end + 1:])


def transpose(x, dim0=None, dim1=None):
    """Swap two axes; with no arguments reverse all axes (like numpy's x.T)."""
    x = as_tensor(x, "transpose")
    dims = list(range(x.ndim))
    if dim0 is None:
        return Permute.apply(x, dims=tuple(dims[::-1]))
    dim0, dim1 = _axis("transpose", dim0, x.shape), _axis("transpose", dim1, x.shape)
    if dim0 == dim1:
        return x
    dims[dim0], dims[dim1] = dim1, dim0
    return Permute.apply(x, dims=tuple(dims))


def squeeze(x, axis=None):
    """Remove axes of length 1 (all of them, or the given one if it has length 1)."""
    x = as_tensor(x, "squeeze")
    if axis is None:
        return Reshape.apply(x, shape=tuple(n for n in x.shape if n != 1))
    axis = _axis("squeeze", axis, x.shape)
    return x if x.ndim == 0 or x.shape[axis] != 1 else Reshape.apply(x, shape=x.shape[:axis] + x.shape[axis + 1:])


def unsqueeze(x, axis):
    """Insert an axis of length 1 at position `axis`."""
    x = as_tensor(x, "unsqueeze")
    axis = _axis("unsqueeze", axis, x.shape, extra=1)
    return Reshape.apply(x, shape=x.shape[:axis] + (1,) + x.shape[axis:])


def stack(tensors, axis=0):
    """Join along a new axis: unsqueeze each, then concatenate."""
    tensors = [as_tensor(t, "stack") for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    axis = _axis("stack", axis, tensors[0].shape, extra=1)
    return Concat.apply(*(unsqueeze(t, axis) for t in tensors), axis=axis)
