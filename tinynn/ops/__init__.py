"""The differentiable ops, as plain functions (`tinynn.ops.exp(x)`) and as Tensor methods (`x.exp()`).

Each Function class lives in one small module, forward and backward side by side:
  arithmetic.py  + - * / neg pow exp log sin cos sqrt abs clip maximum where cast
  activation.py  sigmoid tanh relu leaky_relu elu softplus softmax log_softmax
  reduce.py      sum max logsumexp (and mean, min, var, std composed from them)
  shape.py       matmul reshape permute expand concat pad getitem
Everything else here is composed from those Functions, so it needs no backward of its own.
"""
import numpy as np

from ..tensor import Tensor
from .activation import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .arithmetic import Abs, Add, Cast, Clip, Cos, Div, Exp, Log, Maximum, Mul, Neg, Pow, Sin, Sqrt, Sub, Where
from .reduce import LogSumExp, Max, Sum, mean, min, std, var
from .shape import Concat, Expand, GetItem, MatMul, Pad, Permute, Reshape


def _operand(x, like):
    """Lists/arrays mixed with a float tensor become tensors of its dtype; Python numbers stay numbers."""
    if isinstance(x, (Tensor, int, float)):
        return x
    if isinstance(like, Tensor) and like.dtype.kind == "f":
        return Tensor(x, dtype=like.dtype)
    return Tensor(x)


def _binary(fn):
    def op(x, y):
        return fn(_operand(x, y), _operand(y, x))
    op.__name__, op.__doc__ = fn.__self__.__name__.lower(), fn.__self__.__doc__
    return op


add, sub, mul, div, pow, maximum, matmul = (_binary(F.apply) for F in (Add, Sub, Mul, Div, Pow, Maximum, MatMul))
neg, exp, log, sqrt, abs, sin, cos = Neg.apply, Exp.apply, Log.apply, Sqrt.apply, Abs.apply, Sin.apply, Cos.apply
sigmoid, tanh, relu = Sigmoid.apply, Tanh.apply, ReLU.apply
sum, max, logsumexp = Sum.apply, Max.apply, LogSumExp.apply


def minimum(x, y):
    """min(x, y) = -max(-x, -y), so it shares Maximum's backward."""
    return -maximum(-_operand(x, y), -_operand(y, x))


def cast(x, dtype):
    return Cast.apply(x, dtype=np.dtype(dtype))


def clip(x, min=None, max=None):
    """Clamp to [min, max]; either bound may be None."""
    return Clip.apply(x, lo=min, hi=max)


def where(cond, x, y):
    """x where cond else y; cond is a boolean array or tensor (not differentiated)."""
    cond = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    return Where.apply(cond, _operand(x, y), _operand(y, x))


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    return ELU.apply(x, alpha=alpha)


def softplus(x, beta=1.0):
    return Softplus.apply(x, beta=beta)


def softmax(x, axis=-1):
    return Softmax.apply(x, axis=axis)


def log_softmax(x, axis=-1):
    return LogSoftmax.apply(x, axis=axis)


def _shape_args(shape):
    """Accept both f(x, 2, 3) and f(x, (2, 3))."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def reshape(x, *shape):
    return Reshape.apply(x, shape=_shape_args(shape))


view = reshape


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one (PyTorch's flatten)."""
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1:])


def permute(x, *dims):
    return Permute.apply(x, dims=_shape_args(dims))


def transpose(x, dim0=None, dim1=None):
    """Swap two axes; with no arguments reverse all axes (like numpy's x.T)."""
    dims = list(range(x.ndim))[::-1]
    if dim0 is not None:
        dims = list(range(x.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(x, dims=tuple(dims))


def squeeze(x, axis=None):
    """Remove axes of length 1 (all of them, or the given one if it has length 1)."""
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axis = axis % x.ndim
    return x if x.shape[axis] != 1 else reshape(x, x.shape[:axis] + x.shape[axis + 1:])


def unsqueeze(x, axis):
    """Insert an axis of length 1 at position `axis`."""
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def expand(x, *shape):
    """Broadcast to `shape` without copying; -1 keeps an axis's size."""
    shape = _shape_args(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return Expand.apply(x, shape=shape)


def concat(tensors, axis=0):
    return Concat.apply(*tensors, axis=axis)


cat = concat


def stack(tensors, axis=0):
    """Join along a new axis: unsqueeze each, then concatenate."""
    return concat([unsqueeze(t, axis) for t in tensors], axis=axis)


def pad(x, pad_width, value=0.0):
    """Constant padding, `pad_width` as in numpy.pad: ((before, after), ...) per axis."""
    return Pad.apply(x, pad_width=pad_width, value=value)


def _index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def getitem(x, index):
    return GetItem.apply(x, index=_index(index))


METHODS = dict(
    exp=exp, log=log, sin=sin, cos=cos, sqrt=sqrt, abs=abs, clip=clip, clamp=clip, maximum=maximum, minimum=minimum,
    pow=pow, matmul=matmul, sigmoid=sigmoid, tanh=tanh, relu=relu, leaky_relu=leaky_relu, elu=elu,
    softplus=softplus, softmax=softmax, log_softmax=log_softmax, sum=sum, mean=mean, max=max, min=min,
    var=var, std=std, logsumexp=logsumexp, reshape=reshape, view=view, flatten=flatten,
    permute=permute, transpose=transpose, squeeze=squeeze, unsqueeze=unsqueeze, expand=expand, pad=pad,
)


def _as_method(name, fn):
    """Plain functions become methods as they are; a Function's bound `apply` needs a wrapper."""
    if not hasattr(fn, "__self__"):
        return fn

    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__, method.__doc__ = name, fn.__self__.__doc__
    return method


for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _as_method(_name, _fn))
