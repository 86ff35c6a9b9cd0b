"""`Tensor`: an ndarray that remembers how it was made, so gradients can flow back through it.

A tensor made by an op keeps that op's context in `_ctx` (a `Function` instance holding its
inputs). `backward()` sorts the graph once (inputs before outputs), then walks it from the output
back to the leaves, asking each op for its inputs' gradients. Leaves (tensors created by the user
with requires_grad=True, e.g. parameters) accumulate their gradient in `.grad`, as in PyTorch;
gradients of intermediate tensors are dropped unless `retain_grad()` was called.

`.grad` is a plain numpy array of the tensor's dtype (or None before the first backward).
"""
import numpy as np

from .checks import as_array, get_default_dtype, set_default_dtype  # noqa: F401  (the dtype policy)
from .function import enable_grad, is_grad_enabled, no_grad  # noqa: F401  (graph recording on/off)
from .graph import topo_sort


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Tensor(data, requires_grad=False, dtype=None). Only floating tensors can require gradients.
    """

    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "_retain", "__weakref__")
    __array_priority__ = 100  # make `ndarray op Tensor` call Tensor's reflected operator

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = as_array(data, dtype)
        self.grad = None
        self._ctx = None
        self._retain = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, this one is {self.data.dtype}; "
                            "convert it first, e.g. x.float() or tensor(data, dtype=np.float64)")
        self._requires_grad = bool(value)

    def requires_grad_(self, value=True):
        self.requires_grad = value
        return self

    # ---- array-like properties -------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._ctx is None)
    T = property(lambda self: self.transpose())

    @classmethod
    def from_op(cls, data, ctx):
        """The Tensor around an op's output, with no conversion and no checks: used by Function.apply,
        and by datasets for the rows of arrays they have already checked."""
        t = object.__new__(cls)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad, t._ctx, t._retain, t._requires_grad = None, ctx, False, ctx is not None
        return t

    def __len__(self): return len(self.data)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying array (shared, not copied). Detach first if you need it to stay fixed."""
        return self.data

    def tolist(self): return self.data.tolist()

    def detach(self):
        """The same data, cut off from the graph (requires_grad=False)."""
        return Tensor(self.data)

    def astype(self, dtype): return ops.cast(self, dtype=np.dtype(dtype))
    def float(self): return self.astype(np.float32)
    def double(self): return self.astype(np.float64)

    def retain_grad(self):
        """Keep `.grad` of this non-leaf tensor after backward (for inspection and teaching)."""
        self._retain = True
        return self

    def zero_grad(self, set_to_none=True):
        """Clear `.grad`: to None, or to zeros. An array is zeroed in place (references to it stay valid);
        a Tensor gradient, left by backward(create_graph=True), belongs to the derivative's graph, so it
        is replaced by a zero array (detached, as in PyTorch), into which the next backward adds."""
        if set_to_none or self.grad is None:
            self.grad = None
        elif isinstance(self.grad, Tensor):
            self.grad = np.zeros(self.grad.shape, self.grad.dtype)
        else:
            self.grad[...] = 0

    def __repr__(self):
        body = np.array2string(self.data, prefix="tensor(", separator=", ")
        extra = f", dtype={self.dtype}" if self.dtype != get_default_dtype() and self.dtype.kind == "f" else ""
        if self._ctx is not None:
            extra += f", grad_fn={type(self._ctx).__name__}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ---- backpropagation -----------------------------------------------------------------
    def backward(self, grad=None, retain_graph=None, create_graph=False):
        """Compute d(self)/d(leaf) for every leaf that requires grad, adding it into leaf.grad.

        `grad` is dL/d(self); it may be omitted only for a one-element tensor (then it is 1).
        Without retain_graph the ops free their saved arrays, and a second backward raises.
        create_graph=True records the backward pass itself, so the .grad it leaves are Tensors
        that can be differentiated again (retain_graph then defaults to True), as in PyTorch.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: no input of the "
                               "computation had requires_grad=True (or it ran inside no_grad())")
        retain_graph = create_graph if retain_graph is None else retain_graph
        backprop([self], [seed(self, grad, "backward()")], retain_graph, create_graph)

    # ---- operators (each is one Function in tinynn/ops) ----------------------------------------
    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.pow(self, other)
    def __rpow__(self, other): return ops.pow(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.neg(self)
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    # Comparisons give plain boolean tensors (no gradient), as in PyTorch.
    def __lt__(self, other): return Tensor(self.data < _raw(other))
    def __le__(self, other): return Tensor(self.data <= _raw(other))
    def __gt__(self, other): return Tensor(self.data > _raw(other))
    def __ge__(self, other): return Tensor(self.data >= _raw(other))
    def eq(self, other): return Tensor(self.data == _raw(other))
    def __and__(self, other): return Tensor(self.data & _raw(other))
    def __or__(self, other): return Tensor(self.data | _raw(other))
    def __invert__(self): return Tensor(~self.data)
    __rand__, __ror__ = __and__, __or__
    def any(self): return bool(self.data.any())
    def all(self): return bool(self.data.all())
    __hash__ = object.__hash__

    # ---- numpy's functions on Tensors (see tinynn/ops/interop.py) ------------------------------
    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        """np.exp(t) is ops.exp(t), np.add(a, t) is ops.add(a, t): so an op's backward, written with
        numpy, runs on Tensors too and records the graph of the derivative (create_graph=True)."""
        return ops.interop.ufunc(ufunc, method, args, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        """np.where, np.broadcast_to, np.sum, ... on Tensors, as the ops of the same name."""
        return ops.interop.function(func, args, kwargs)



def _parents(t):
    return t._ctx.parents if t._ctx is not None else ()


def seed(out, grad, caller, argument="grad"):
    """dL/d(out) to start a backward pass from: `grad`, checked, or 1 for a one-element `out`."""
    if grad is None:
        if out.data.size != 1:
            raise RuntimeError(f"{caller} without a gradient argument needs a one-element output, "
                               f"this one has shape {out.shape}; pass {argument}= of that shape, "
                               "or reduce the output first (e.g. loss.sum())")
        return np.ones(out.data.shape, out.data.dtype)
    if not isinstance(grad, Tensor):
        grad = np.asarray(grad, dtype=out.dtype)
    if grad.shape != out.shape:
        raise ValueError(f"{caller}: {argument} has shape {grad.shape}, but the output has shape {out.shape}")
    return grad


def backprop(outputs, grads, retain_graph=False, create_graph=False, inputs=None):
    """The backward pass: walk the graph from `outputs` (with dL/d(output) = `grads`) to the leaves.

    Every tensor is visited after all tensors that used it (reverse topological order), so its
    gradient is complete; its op then hands each input its share (`Function.input_grads`).
    inputs=None: leaves (and tensors with retain_grad) add their gradient into `.grad`.
    Otherwise nothing is stored and the gradients of `inputs` are returned (None if not reached).
    create_graph=True: the gradients are Tensors and the backward pass is itself recorded
    (grad mode on), so they can be differentiated again.
    """
    if create_graph and not is_grad_enabled():
        with enable_grad():
            return backprop(outputs, grads, retain_graph, True, inputs)
    if len(outputs) == 1:
        order = topo_sort(outputs[0], _parents)
    else:
        start = ()                     # a virtual root whose inputs are the outputs
        order = topo_sort(start, lambda t: outputs if t is start else _parents(t))[:-1]
    pending = {}                       # tensor -> dL/d(tensor) summed over its uses so far
    for out, g in zip(outputs, grads):
        if create_graph and not isinstance(g, Tensor):
            g = Tensor(g)
        elif not create_graph and isinstance(g, Tensor):
            g = np.asarray(g.data, dtype=out.dtype)
        pending[out] = g if out not in pending else pending[out] + g
    found = reach = None
    if inputs is not None:             # walk only the tensors through which an input is reached:
        found, reach = dict.fromkeys(inputs), set(inputs)
        for t in order:                # inputs come first, so a tensor is reached if a parent is
            if t._ctx is not None and not reach.isdisjoint(t._ctx.parents):
                reach.add(t)
        order = [t for t in order if t in reach]
    for t in reversed(order):
        g = pending.pop(t, None)
        if g is None:
            continue
        ctx = t._ctx
        if found is not None:
            if t in found:
                found[t] = g
        elif ctx is None or t._retain:
            t.grad = (g if create_graph else g.copy()) if t.grad is None else t.grad + g
        if ctx is None:
            continue
        for x, gx in ctx.input_grads(g, create_graph):
            if reach is None or x in reach:
                prev = pending.get(x)
                pending[x] = gx if prev is None else prev + gx
        if not retain_graph:
            ctx.release()
    return None if found is None else [found[x] for x in inputs]


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


from . import ops  # noqa: E402  (ops build on Tensor, so they are imported after it; they add the
                   # method forms x.sum(), x.exp(), x.reshape(...) listed in ops.METHODS)
