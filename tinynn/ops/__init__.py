"""The differentiable ops, as plain functions (`tinynn.ops.exp(x)`) and as Tensor methods (`x.exp()`).

Each Function class lives in one small module, forward and backward side by side:
  arithmetic.py  + - * / neg pow exp log sin cos sqrt abs clip maximum where cast matmul
  activation.py  sigmoid tanh relu leaky_relu elu softplus softmax log_softmax
  reduce.py      sum mean max logsumexp
  shape.py       reshape permute expand concat pad getitem
  interop.py     numpy's functions on Tensors (np.exp(t) is exp(t)), so a backward runs on Tensors too
The functions below call them with their arguments sorted out. composed.py holds functions built
from them (minimum, min, var, std, flatten, transpose, squeeze, unsqueeze, stack): no backward of their own.
Inputs and axes are checked by tinynn/checks.py (`operand`, `axis`), so errors name the op.
"""
import numpy as np

from ..checks import as_tensor as _tensor, operand as _operand
from ..tensor import Tensor
from .activation import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .arithmetic import (Abs, Add, Cast, Clip, Cos, Div, Exp, Log, MatMul, Maximum, Mul, Neg, Pow, Sin, Sqrt, Sub,
                         Where)
from .composed import flatten, min, minimum, squeeze, stack, std, transpose, unsqueeze, var
from .reduce import LogSumExp, Max, Mean, Sum
from .shape import Concat, Expand, GetItem, Pad, Permute, Reshape


def _binary(fn):
    name = fn.__self__.__name__.lower()

    def op(x, y):
        return fn(_operand(x, y, name), _operand(y, x, name))
    op.__name__, op.__doc__ = name, fn.__self__.__doc__
    return op


add, sub, mul, div, pow, maximum = (_binary(F.apply) for F in (Add, Sub, Mul, Div, Pow, Maximum))
neg, exp, log, sqrt, abs, sin, cos = Neg.apply, Exp.apply, Log.apply, Sqrt.apply, Abs.apply, Sin.apply, Cos.apply
sigmoid, tanh, relu = Sigmoid.apply, Tanh.apply, ReLU.apply
sum, mean, max, logsumexp = Sum.apply, Mean.apply, Max.apply, LogSumExp.apply


def matmul(a, b):
    """a @ b with numpy's rules: a 1-D `a` is a row (1, k) and a 1-D `b` a column (k, 1), whose added
    axis is removed from the result again; two 1-D inputs give their dot product."""
    a, b = _operand(a, b, "matmul"), _operand(b, a, "matmul")
    if a.ndim == 1:
        out = MatMul.apply(a.reshape(1, -1), b.reshape(-1, 1) if b.ndim == 1 else b)
        return out.reshape(out.shape[:-2] + out.shape[-1:][b.ndim == 1:])
    if b.ndim == 1:
        return MatMul.apply(a, b.reshape(-1, 1)).reshape(a.shape[:-1])
    return MatMul.apply(a, b)


def cast(x, dtype):
    return Cast.apply(x, dtype=np.dtype(dtype))


def clip(x, min=None, max=None):
    """Clamp to [min, max]; either bound may be None."""
    return Clip.apply(x, lo=min, hi=max)


def where(cond, x, y):
    """x where cond else y; cond is a boolean array or tensor (not differentiated)."""
    cond = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    if cond.dtype != bool:
        raise TypeError(f"where: the condition must be boolean, got dtype {cond.dtype}")
    return Where.apply(cond, _operand(x, y, "where"), _operand(y, x, "where"))


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


def permute(x, *dims):
    return Permute.apply(x, dims=_shape_args(dims))


def expand(x, *shape):
    """Broadcast to `shape` without copying; -1 keeps an axis's size."""
    x = _tensor(x, "expand")
    shape = _shape_args(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand a tensor of shape {x.shape} to fewer axes, {shape}")
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return Expand.apply(x, shape=shape)


def concat(tensors, axis=0):
    return Concat.apply(*(_tensor(t, "concat") for t in tensors), axis=axis)


cat = concat


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

from . import interop  # noqa: E402,F401  (numpy's functions on Tensors; needs the ops above)
