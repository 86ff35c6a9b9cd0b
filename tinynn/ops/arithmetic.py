"""Elementwise arithmetic and math functions, and the matrix product. Inputs broadcast like numpy;
`Function` un-broadcasts the gradients, so each backward below is written as if all shapes were equal.

Notation: g = dL/d(out), the gradient arriving from above; each backward returns dL/d(input).
"""
import numpy as np

from ..function import Function


class Add(Function):
    """out = x + y.   d/dx = 1, d/dy = 1."""
    def forward(self, x, y):
        return x + y

    def backward(self, g):
        return g, g


class Sub(Function):
    """out = x - y.   d/dx = 1, d/dy = -1."""
    def forward(self, x, y):
        return x - y

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    """out = x * y.   d/dx = y, d/dy = x."""
    def forward(self, x, y):
        self.save_for_backward(x, y)
        return x * y

    def backward(self, g):
        x, y = self.saved
        return (g * y if self.needs_input_grad[0] else None,
                g * x if self.needs_input_grad[1] else None)


class Div(Function):
    """out = x / y.   d/dx = 1/y, d/dy = -x/y² = -out/y."""
    def forward(self, x, y):
        out = x / y
        self.save_for_backward(y, out)
        return out

    def backward(self, g):
        y, out = self.saved
        gx = g / y
        return gx, (-gx * out if self.needs_input_grad[1] else None)


class Neg(Function):
    """out = -x.   d/dx = -1."""
    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Pow(Function):
    """out = x ** y.   d/dx = y x^(y-1),  d/dy = x^y log x.

    A negative x with a non-integer y has no real power: an error, not a NaN. The exponent gradient
    is taken as 0 where x <= 0 (there x^y is not differentiable in y over the reals), so it never
    turns into NaN.
    """
    def forward(self, x, y):
        with np.errstate(invalid="ignore"):
            out = np.power(x, y)
        if out.dtype.kind == "f" and np.isnan(out).any() and not (np.isnan(x).any() or np.isnan(y).any()):
            raise ValueError("pow: a negative base with a non-integer exponent has no real power, "
                             f"e.g. {np.broadcast_to(x, out.shape)[np.isnan(out)][0]} ** "
                             f"{np.broadcast_to(y, out.shape)[np.isnan(out)][0]}")
        self.save_for_backward(x, y, out)
        return out

    def backward(self, g):
        x, y, out = self.saved
        gx = g * y * np.power(x, y - 1) if self.needs_input_grad[0] else None
        gy = g * out * np.log(np.where(x > 0, x, 1)) if self.needs_input_grad[1] else None
        return gx, gy


class Exp(Function):
    """out = e^x.   d/dx = e^x = out."""
    def forward(self, x):
        out = np.exp(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g * self.saved[0]


class Log(Function):
    """out = ln x.   d/dx = 1/x.   Defined for x > 0."""
    def forward(self, x):
        if np.any(x <= 0):
            raise ValueError(f"log of a non-positive value (min {np.min(x)}); clamp the input first, "
                             "e.g. x.clip(1e-12, None)")
        self.save_for_backward(x)
        return np.log(x)

    def backward(self, g):
        return g / self.saved[0]


class Sin(Function):
    """out = sin x.   d/dx = cos x."""
    def forward(self, x):
        self.save_for_backward(x)
        return np.sin(x)

    def backward(self, g):
        return g * np.cos(self.saved[0])


class Cos(Function):
    """out = cos x.   d/dx = -sin x."""
    def forward(self, x):
        self.save_for_backward(x)
        return np.cos(x)

    def backward(self, g):
        return -g * np.sin(self.saved[0])


class Sqrt(Function):
    """out = √x.   d/dx = 1 / (2√x)."""
    def forward(self, x):
        if np.any(x < 0):
            raise ValueError(f"sqrt of a negative value (min {np.min(x)})")
        out = np.sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g / (2 * self.saved[0])


class Abs(Function):
    """out = |x|.   d/dx = sign(x) (0 at x = 0, as in PyTorch)."""
    def forward(self, x):
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, g):
        return g * np.sign(self.saved[0])


class Clip(Function):
    """out = min(max(x, lo), hi).   d/dx = 1 inside [lo, hi], 0 where clipped."""
    def forward(self, x, lo=None, hi=None):
        self.save_for_backward((x >= lo if lo is not None else True) & (x <= hi if hi is not None else True))
        return np.clip(x, lo, hi)

    def backward(self, g):
        return g * self.saved[0]


class Maximum(Function):
    """out = max(x, y) elementwise.   The gradient goes to the larger input; ties split it half-half."""
    def forward(self, x, y):
        self.save_for_backward(x, y)
        return np.maximum(x, y)

    def backward(self, g):
        x, y = self.saved
        wx = (x > y) + 0.5 * np.equal(x, y)
        return g * wx, g * (1 - wx)


class Where(Function):
    """out = x where cond else y (cond is a fixed boolean array).   d/dx = cond, d/dy = not cond."""
    def forward(self, cond, x, y):
        self.save_for_backward(cond)
        return np.where(cond, x, y)

    def backward(self, g):
        cond = self.saved[0]
        zero = np.zeros((), g.dtype)
        return None, np.where(cond, g, zero), np.where(cond, zero, g)


class Cast(Function):
    """out = x converted to another dtype.   d/dx = 1 (converted back by Function)."""
    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return g


class MatMul(Function):
    """out = a @ b for a (..., n, k), b (..., k, m) -> (..., n, m); the batch axes broadcast.

    dL/da = g @ bᵀ,  dL/db = aᵀ @ g (ᵀ swaps the last two axes; the broadcast batch axes are summed
    back centrally by `Function`). 1-D inputs are handled by `tinynn.ops.matmul` (as a row or a column).
    """
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, g):
        a, b = self.saved
        return (g @ np.swapaxes(b, -1, -2) if self.needs_input_grad[0] else None,
                np.swapaxes(a, -1, -2) @ g if self.needs_input_grad[1] else None)
