"""`Function`: the one mechanism by which every differentiable tensor op is built.

An op is a subclass with two methods side by side, both on plain numpy arrays:

    class Mul(Function):
        def forward(self, x, y):          # out = x * y
            self.save_for_backward(x, y)
            return x * y
        def backward(self, g):            # dL/dx = g * y,  dL/dy = g * x
            x, y = self.saved
            return g * y, g * x

The instance *is* the context: `forward` stores in `saved` all that `backward` will need (arrays
and options alike, so it is all freed after backward). `apply` runs forward, wraps the result in a
Tensor and remembers the inputs that need a gradient (`parents`), so `Tensor.backward` can later
walk the graph. `input_grads` is the single place where a gradient is un-broadcast back to its
input's shape, so no op ever has to think about broadcasting in its backward.

Graph recording can be switched off (`no_grad()`, for evaluation and parameter updates).
"""
import contextlib

import numpy as np

from . import checks
from . import tensor as _tensor

fast_paths = {}   # op -> a faster implementation of it; filled from the one table in tinynn/kernels
_grad_enabled = True
tracer = None    # while tinynn.onnx.export runs: called as tracer(cls, args, options, out) after every op


def is_grad_enabled():
    return _grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled):
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context manager: ops inside record no graph (evaluation, parameter updates)."""
    return _grad_mode(False)


def enable_grad():
    """Context manager: re-enable graph recording inside a `no_grad` block."""
    return _grad_mode(True)


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`: the adjoint of numpy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1, so the
    gradient adds up over exactly those axes.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


class Function:
    """Base class of all ops. Subclasses define `forward(*arrays, **options)` and `backward(grad)`.

    `backward` returns one gradient per positional input (a single array for one input); it may
    return None for inputs that need no gradient (check `self.needs_input_grad[i]` to skip work).
    """

    saved = ()

    def save_for_backward(self, *values):
        """Keep what backward needs; released after backward unless retain_graph=True."""
        self.saved = values

    @classmethod
    def apply(cls, *args, **options):
        """Run the op on Tensors (or plain numbers/arrays) and record it in the graph if needed.

        This runs for every op of every training step, so it is written as one plain loop.
        """
        Tensor = _tensor.Tensor
        ctx = fast_paths.get(cls, cls)()
        arrays, needs, parents = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs.append(a._requires_grad)
                if a._requires_grad:
                    parents.append(a)
            else:
                if not (type(a) in (int, float) or type(a) is np.ndarray and a.dtype.kind in "biuf"
                        or a is None and arrays):       # None only for an optional input (a bias), never x
                    a = checks.as_array(a, op=cls.__name__)
                arrays.append(a)
                needs.append(False)
        ctx.needs_input_grad = needs
        try:
            data = ctx.forward(*arrays, **options)
        except checks.AxisError:
            raise
        except ValueError as err:
            shapes = ", ".join(str(np.shape(a)) for a in arrays)
            raise ValueError(f"{cls.__name__}: cannot apply to inputs of shapes {shapes}: {err}") from None
        except TypeError as err:
            raise TypeError(f"{cls.__name__}: {err}") from None
        if not (_grad_enabled and parents):
            out = Tensor.from_op(data, None)
        else:
            ctx.parents = parents
            out = Tensor.from_op(data, ctx)
        if tracer is not None:                        # the one check the ONNX export needs (tinynn/onnx)
            tracer(cls, args, options, out)
        return out

    def input_grads(self, grad):
        """[(input tensor, gradient), ...] for the inputs that need one, un-broadcast and checked."""
        if self.saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({type(self).__name__} already freed "
                "its saved arrays). Call backward(retain_graph=True) the first time if you need to.")
        grads = self.backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        parents, pairs = iter(self.parents), []
        for need, g in zip(self.needs_input_grad, grads):
            if not need:
                continue
            x = next(parents)
            if g is None:
                continue
            data = x.data
            if type(g) is not np.ndarray:
                g = np.asarray(g)
            if g.shape != data.shape:
                g = unbroadcast(g, data.shape)
                if g.shape != data.shape:
                    raise RuntimeError(f"{type(self).__name__}.backward returned a gradient of shape {g.shape} "
                                       f"for an input of shape {data.shape}")
            if g.dtype != data.dtype:
                g = g.astype(data.dtype)
            pairs.append((x, g))
        return pairs

    def release(self):
        """Free what was saved for backward (after a backward pass without retain_graph)."""
        self.saved = None

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError
