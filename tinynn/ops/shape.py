"""Ops that move elements around without changing them: reshape, permute, broadcast, concatenate,
pad, index. Their backward moves the gradient back to where each element came from.
"""
import numpy as np

from ..function import Function


class MatMul(Function):
    """out = a @ b, numpy semantics incl. 1-D and batched inputs.

    Shapes (..., n, k) @ (..., k, m) -> (..., n, m).   dL/da = g @ bᵀ,  dL/db = aᵀ @ g.
    A 1-D a is a row (1, k) and a 1-D b a column (k, 1); the batch axes broadcast and are summed
    back centrally by `Function`.
    """
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a @ b

    def backward(self, g):
        a, b = self.saved
        if a.ndim == 1 and b.ndim == 1:        # dot product: out is a scalar
            return g * b, g * a
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = g @ np.swapaxes(b2, -1, -2)
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if self.needs_input_grad[1]:
            gb = np.swapaxes(a2, -1, -2) @ g
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb


class Reshape(Function):
    """out = x with a new shape (same elements, row-major order).   d/dx = g reshaped back."""
    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) to {shape}") from None

    def backward(self, g):
        return g.reshape(self.shape)


class Permute(Function):
    """out = x with its axes reordered: out.shape[i] = x.shape[dims[i]].   d/dx = g with the inverse order."""
    def forward(self, x, dims):
        if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute needs a reordering of all {x.ndim} axes, got {tuple(dims)}")
        self.dims = dims
        return np.transpose(x, dims)

    def backward(self, g):
        return np.transpose(g, np.argsort([d % g.ndim for d in self.dims]))


class Expand(Function):
    """out = x broadcast to `shape` (a view, no copy).   d/dx = g summed over the copies (by Function)."""
    def forward(self, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"cannot expand a tensor of shape {x.shape} to {shape}") from None

    def backward(self, g):
        return g


class Concat(Function):
    """out = [x₁, x₂, ...] joined along `axis`.   dL/dxᵢ = the slice of g where xᵢ went."""
    def forward(self, *xs, axis=0):
        self.axis = axis
        self.splits = np.cumsum([x.shape[axis] for x in xs[:-1]])
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class Pad(Function):
    """out = x surrounded by `value`; pad_width as in numpy.pad.   d/dx = the centre of g."""
    def forward(self, x, pad_width, value=0.0):
        pad_width = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
        if np.any(pad_width < 0):
            raise ValueError(f"pad widths must be non-negative, got {pad_width.tolist()}")
        self.centre = tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, x.shape))
        return np.pad(x, pad_width, constant_values=value)

    def backward(self, g):
        return g[self.centre]


def _is_basic(index):
    """True for ints, slices, None and Ellipsis only: then no element is selected twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    """out = x[index] for ints, slices, integer arrays and boolean masks.

    d/dx: g is scattered back into zeros. With integer arrays the same element can be picked
    several times, so the scatter must add (np.add.at) rather than assign.
    """
    def forward(self, x, index):
        self.index, self.shape = index, x.shape
        try:
            return x[index]
        except IndexError as err:
            raise IndexError(f"index {index!r} does not fit a tensor of shape {x.shape}: {err}") from None

    def backward(self, g):
        gx = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            gx[self.index] = g
        else:
            np.add.at(gx, self.index, g)
        return gx
