"""numpy's functions on Tensors: np.exp(t) is ops.exp(t), np.where(c, t, 0) is ops.where(c, t, 0).

Tensor implements numpy's two hooks, `__array_ufunc__` (np.exp, np.add, np.maximum, ...) and
`__array_function__` (np.where, np.sum, np.broadcast_to, ...); both land here. This is what lets an
op's backward, written with numpy for arrays, run unchanged on Tensors: the line `g * np.cos(x)`
computes an array in an ordinary backward pass and records a graph when create_graph=True. So every
derivative is written once, and the derivative of a derivative reuses it.

`out=` with `where=m` (np.multiply(q, logp, out=zeros, where=q != 0)) becomes where(m, op(...), out),
with the op evaluated on 1 where not m: numpy computes nothing there, and neither may the graph, or
0·(-inf) would be a NaN in the values and in the derivative of q (which is 0 there, as numpy's result
does not depend on q where not m).

Comparisons and other piecewise-constant functions (sign, floor, ...) give constant Tensors (their
derivative is 0 wherever it exists). A numpy function without a derivative here raises a TypeError
naming it, rather than silently dropping the graph; on Tensors that need no gradient it simply runs
on their arrays.
"""
import numpy as np

from . import (abs, add, clip, concat, cos, div, exp, expand, log, matmul, maximum, mean, minimum, mul, neg, pad,
               permute, pow, reshape, sin, sqrt, sub, sum, tanh, transpose, where)
from ..tensor import Tensor

UFUNCS = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.negative: neg, np.power: pow,
    np.matmul: matmul, np.exp: exp, np.log: log, np.sin: sin, np.cos: cos, np.sqrt: sqrt, np.absolute: abs,
    np.tanh: tanh, np.maximum: maximum, np.minimum: minimum,
    np.expm1: lambda x: exp(x) - 1, np.log1p: lambda x: log(1 + x), np.square: lambda x: x * x,
    np.positive: lambda x: x,
}
CONSTANT_UFUNCS = {np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal, np.logical_and,
                   np.logical_or, np.logical_not, np.logical_xor, np.sign, np.isfinite, np.isnan, np.isinf,
                   np.floor, np.ceil, np.rint, np.trunc, np.signbit}


def _unwrap(obj):
    """Tensors replaced by their arrays, inside lists and tuples too."""
    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(o) for o in obj)
    return obj


def _needs_grad(obj):
    if isinstance(obj, Tensor):
        return obj.requires_grad
    return isinstance(obj, (list, tuple)) and any(_needs_grad(o) for o in obj)


def _on_arrays(name, fn, args, kwargs):
    """Run fn on the plain arrays when no argument needs a gradient; otherwise there is no derivative."""
    if _needs_grad(args) or _needs_grad(tuple(kwargs.values())):
        raise TypeError(f"numpy.{name} has no derivative in tinynn, and one of its arguments is a Tensor that "
                        "requires grad; use the tinynn op of that name, or detach() the argument")
    out = fn(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
    return Tensor(out) if isinstance(out, np.ndarray) else out


def ufunc(uf, method, args, kwargs):
    """Tensor.__array_ufunc__: the differentiable op, a constant Tensor, or a clear error."""
    if method == "__call__" and not kwargs:
        if uf in UFUNCS:
            return UFUNCS[uf](*args)
        if uf in CONSTANT_UFUNCS:
            return Tensor(uf(*_unwrap(args)))
    if method == "__call__" and uf in UFUNCS and "out" in kwargs and set(kwargs) <= {"out", "where"}:
        (out,) = kwargs["out"]                    # np.multiply(a, b, out=c, where=m): a·b where m, c elsewhere
        if "where" not in kwargs:
            return where(True, UFUNCS[uf](*args), out)
        mask = kwargs["where"]                    # numpy computes nothing where not m, so neither does the graph
        args = [where(mask, a, 1) if isinstance(a, Tensor) else np.where(mask, a, 1) for a in args]
        return where(mask, UFUNCS[uf](*args), out)
    name = uf.__name__ + ("" if method == "__call__" else f".{method}")
    return _on_arrays(name, getattr(uf, method), args, kwargs)


def _expanded_shape(shape, axis):
    """The shape np.expand_dims(x, axis) would have."""
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    n = len(shape) + len(axes)
    axes = {a % n for a in axes}
    rest = iter(shape)
    return tuple(1 if i in axes else next(rest) for i in range(n))


def _squeezed_shape(shape, axis):
    """The shape np.squeeze(x, axis) would have."""
    if axis is None:
        return tuple(n for n in shape if n != 1)
    axes = {a % len(shape) for a in ((axis,) if np.ndim(axis) == 0 else axis)}
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _split(x, indices_or_sections, axis=0):
    n = x.shape[axis]
    if np.ndim(indices_or_sections) == 0:
        indices_or_sections = range(n // indices_or_sections, n, n // indices_or_sections)
    edges = [0, *indices_or_sections, n]
    lead = (slice(None),) * (axis % x.ndim)
    return [x[lead + (slice(a, b),)] for a, b in zip(edges[:-1], edges[1:])]


def _pad(x, pad_width, mode="constant", constant_values=0.0):
    if mode != "constant":
        raise TypeError(f"numpy.pad(mode={mode!r}) has no derivative in tinynn; only mode='constant'")
    return pad(x, pad_width, value=constant_values)


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


FUNCTIONS = {
    np.where: where,
    np.broadcast_to: lambda x, shape: expand(_tensor(x), shape),
    np.expand_dims: lambda x, axis: reshape(x, _expanded_shape(x.shape, axis)),
    np.squeeze: lambda x, axis=None: reshape(x, _squeezed_shape(x.shape, axis)),
    np.reshape: lambda x, shape: reshape(x, shape),
    np.transpose: lambda x, axes=None: permute(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes)),
    np.swapaxes: lambda x, a, b: transpose(x, a, b),
    np.concatenate: lambda xs, axis=0: concat(xs, axis=axis),
    np.split: _split,
    np.pad: _pad,
    np.sum: lambda x, axis=None, keepdims=False: sum(_tensor(x), axis=axis, keepdims=keepdims),
    np.mean: lambda x, axis=None, keepdims=False: mean(_tensor(x), axis=axis, keepdims=keepdims),
    np.clip: lambda x, a_min=None, a_max=None: clip(x, a_min, a_max),
    np.shape: lambda x: x.shape,
    np.ndim: lambda x: x.ndim,
    np.size: lambda x: x.size,
    np.zeros_like: lambda x, dtype=None: Tensor(np.zeros_like(x.data, dtype=dtype)),
    np.ones_like: lambda x, dtype=None: Tensor(np.ones_like(x.data, dtype=dtype)),
}
CONSTANT_FUNCTIONS = {np.any, np.all, np.count_nonzero, np.argmax, np.argmin, np.isclose, np.allclose,
                      np.array_equal}


def function(func, args, kwargs):
    """Tensor.__array_function__: the op of the same name, a value computed on the arrays, or a clear error."""
    if func in FUNCTIONS:
        return FUNCTIONS[func](*args, **kwargs)
    if func in CONSTANT_FUNCTIONS:
        return func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
    return _on_arrays(func.__name__, func, args, kwargs)
