"""`Function`: the one mechanism by which every differentiable tensor op is built.

An op is a subclass with two methods side by side, both on plain numpy arrays:

    class Mul(Function):
        def forward(self, x, y):          # out = x * y
            self.save_for_backward(x, y)
            return x * y
        def backward(self, g):            # dL/dx = g * y,  dL/dy = g * x
            x, y = self.saved
            return g * y, g * x

The instance *is* the context: `forward` stores what `backward` will need. `apply` runs forward,
wraps the result in a Tensor and remembers the inputs, so `Tensor.backward` can later walk the graph.
`input_grads` is the single place where a gradient is un-broadcast back to its input's shape, so no
op ever has to think about broadcasting in its backward.
"""
import numpy as np

from . import tensor as _tensor


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

    def save_for_backward(self, *arrays):
        """Keep arrays for backward; they are released after backward unless retain_graph=True."""
        self.saved = arrays

    @classmethod
    def apply(cls, *args, **options):
        """Run the op on Tensors (or plain numbers/arrays) and record it in the graph if needed.

        This runs for every op of every training step, so it is written as one plain loop.
        """
        Tensor = _tensor.Tensor
        ctx = cls()
        arrays, needs, inputs = [], [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                if a._requires_grad:
                    needs.append(True)
                    inputs.append(a)
                    continue
            else:
                arrays.append(a)
            needs.append(False)
            inputs.append(None)
        ctx.needs_input_grad = needs
        try:
            data = ctx.forward(*arrays, **options)
        except ValueError as err:
            shapes = ", ".join(str(np.shape(a)) for a in arrays)
            raise ValueError(f"{cls.__name__}: cannot apply to inputs of shapes {shapes}: {err}") from None
        if not (_tensor._grad_enabled and True in needs):
            return _tensor.wrap(data, None)
        ctx.inputs = inputs                           # the inputs that need a gradient, None for the others
        ctx.parents = [a for a in inputs if a is not None]
        return _tensor.wrap(data, ctx)

    def input_grads(self, grad):
        """[(input tensor, gradient), ...] for the inputs that need one, un-broadcast and checked."""
        if self.saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({type(self).__name__} already freed "
                "its saved arrays). Call backward(retain_graph=True) the first time if you need to.")
        grads = self.backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        pairs = []
        for x, g in zip(self.inputs, grads):
            if x is None or g is None:
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
        """Free the arrays saved for backward (after a backward pass without retain_graph)."""
        self.saved = None

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError
