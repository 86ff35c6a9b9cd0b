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

Higher derivatives (create_graph=True) need no second backward: Tensor answers numpy's functions,
so `replay` runs the op's own forward on its input Tensors and then the same backward on a Tensor
gradient, and the result is a Tensor in the graph, differentiable again.
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
        except (ValueError, TypeError) as err:
            raise checks.op_error(cls.__name__, arrays, err) from None
        if not (_grad_enabled and parents):
            out = Tensor.from_op(data, None)
        else:
            ctx.parents = parents
            ctx.applied_to = (cls, args, options)     # to replay forward on Tensors (create_graph)
            out = Tensor.from_op(data, ctx)
        if tracer is not None:                        # the one check the ONNX export needs (tinynn/onnx)
            tracer(cls, args, options, out)
        return out

    @classmethod
    def call(cls, *args, **options):
        """The op inside another op's backward: on arrays it returns an array (no graph), and when an
        argument is a Tensor it is recorded like any op. GetItem's backward is a scatter-add whose
        backward is GetItem again, so one line serves every order of derivative."""
        for a in args:
            if isinstance(a, _tensor.Tensor):
                return cls.apply(*args, **options)
        return fast_paths.get(cls, cls)().forward(*args, **options)

    def input_grads(self, grad, create_graph=False):
        """[(input tensor, gradient), ...] for the inputs that need one, un-broadcast and checked.

        create_graph=True: `grad` is a Tensor and so are the results, recorded in the graph.
        """
        if self.saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({type(self).__name__} already freed "
                "its saved arrays). Call backward(retain_graph=True) the first time if you need to.")
        grads = self.replay().backward(grad) if create_graph else self.backward(grad)
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
            if type(g) is not np.ndarray and not isinstance(g, _tensor.Tensor):
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

    def replay(self):
        """A fresh instance of this op whose forward ran again on the input Tensors (create_graph=True).

        Tensor answers numpy's functions (tinynn/ops/interop.py), so the op's forward lines (the
        reading-path ones, never a kernel's) now record a graph, and what they save are Tensors
        connected to the inputs; its backward, given a Tensor gradient, then records the graph of
        the derivative. Nothing of this runs without create_graph. An op that cannot be replayed
        sets `double_backward` to the reason.
        """
        op, args, options = self.applied_to
        if op.double_backward is not True:
            raise NotImplementedError(f"{op.__name__}: no derivative of its backward (create_graph=True "
                                      f"reached this op): {op.double_backward}")
        again = op()
        again.needs_input_grad = self.needs_input_grad
        try:
            again.forward(*args, **options)
        except (TypeError, AttributeError, ValueError) as err:
            raise NotImplementedError(f"{op.__name__}: create_graph=True needs its forward to run on Tensors, "
                                      f"and it cannot ({err}); write it with numpy functions Tensor answers "
                                      "(tinynn/ops/interop.py), or set replay = Function.replay_inputs if it "
                                      "saves only its inputs") from err
        return again

    double_backward = True

    def replay_inputs(self):
        """`replay` for an op whose forward runs loops on arrays and which saves only its inputs (and
        constants): this op's state in an instance of the op itself (not of a kernel's subclass), with
        each saved input array swapped for its Tensor. Such an op sets `replay = Function.replay_inputs`."""
        op, args, _ = self.applied_to
        again = object.__new__(op)
        again.__dict__.update(self.__dict__)
        tensors = {id(a.data): a for a in args if isinstance(a, _tensor.Tensor)}
        again.saved = tuple(tensors.get(id(s), s) for s in self.saved)
        return again

    def release(self):
        """Free what was saved for backward (after a backward pass without retain_graph)."""
        self.saved = self.applied_to = None

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError
