"""The fully connected layer: one fused Function (forward and backward side by side) and its Module."""

import numpy as np

from ..checks import as_array
from ..function import Function
from ..tensor import Tensor
from . import init
from .module import Module, empty_parameter


class LinearFunction(Function):
    """out = x @ Wᵀ + b.

    Shapes: x (..., in), W (out, in), b (out,) or None -> out (..., out).
    Backward, with g = dL/d(out) and the batch axes flattened into one of length N:
        dL/dx = g @ W            (N, out) @ (out, in) -> (N, in)
        dL/dW = gᵀ @ x           (out, N) @ (N, in)   -> (out, in)
        dL/db = Σ_N g            -> (out,)
    One op instead of matmul + transpose + add keeps the graph small, which matters for small MLPs.
    """
    def forward(self, x, w, b=None):
        self.save_for_backward(x, w)
        out = x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g):
        x, w = self.saved
        need_x, need_w, need_b = self.needs_input_grad
        g2, x2 = (g, x) if g.ndim == 2 else (g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1]))
        gx = g @ w if need_x else None
        gw = g2.T @ x2 if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


def layer_input(x, weight, name="linear"):
    """x as a Tensor of the weight's dtype, checked to have a last axis of size in_features = weight.shape[-1]."""
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"{name}: the weight must be a 2-D tensor (out_features, in_features), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    w = weight.data
    if not isinstance(x, Tensor):
        x = Tensor(as_array(x, w.dtype, op=name))
    elif x.data.dtype != w.dtype:
        x = x.astype(w.dtype)
    if not x.data.shape or x.data.shape[-1] != w.shape[-1]:
        raise ValueError(f"{name}: input of shape {x.shape} needs a last axis of size {weight.shape[-1]} "
                         f"to match the weight of shape {weight.shape}")
    return x


def linear(x, weight, bias=None):
    """Functional form of Linear: x @ weightᵀ + bias (x is cast to the weight's dtype if it differs)."""
    x = layer_input(x, weight)
    if bias is not None and getattr(bias, "shape", None) != weight.shape[:1]:
        raise ValueError(f"linear: the bias must have shape ({weight.shape[0]},) for a weight of shape "
                         f"{weight.shape}, got {getattr(bias, 'shape', type(bias).__name__)}")
    return LinearFunction.apply(x, weight, bias)


class Linear(Module):
    """y = x Wᵀ + b, with W of shape (out_features, in_features) as in PyTorch (Keras calls it Dense).

    Initialisation as in PyTorch: W and b ~ U(-1/√in, 1/√in) (kaiming_uniform_ with a=√5).
    The input is cast to the parameters' dtype (float32 unless dtype= says otherwise).
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
                raise ValueError(f"Linear: {name} must be a positive integer, got {n!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = empty_parameter(out_features, in_features, dtype=dtype)
        if bias:
            self.bias = empty_parameter(out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W, b ~ U(-1/√in, 1/√in) (init.default_)."""
        init.default_(self.weight, self.bias)

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
