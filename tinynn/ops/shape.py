"""Ops that move elements around without changing them: reshape, permute, broadcast, concatenate,
pad, index. Their backward moves the gradient back to where each element came from. (Their shape
arguments are checked in tinynn/checks.py, so errors name the op.)
"""
import numpy as np

from .. import checks
from ..function import Function


class Reshape(Function):
    """out = x with a new shape (same elements, row-major order).   d/dx = g reshaped back."""
    def forward(self, x, shape):
        self.save_for_backward(x.shape)
        try:
            return x.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                             f"to {shape}") from None

    def backward(self, g):
        return g.reshape(self.saved[0])


class Permute(Function):
    """out = x with its axes reordered: out.shape[i] = x.shape[dims[i]].   d/dx = g with the inverse order."""
    def forward(self, x, dims):
        dims = checks.permutation("permute", dims, x.shape)
        self.save_for_backward(dims)
        return np.transpose(x, dims)

    def backward(self, g):
        return np.transpose(g, np.argsort(self.saved[0]))


class Expand(Function):
    """out = x broadcast to `shape` (a view, no copy).   d/dx = g summed over the copies (by Function)."""
    def forward(self, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: cannot expand a tensor of shape {x.shape} to {shape}") from None

    def backward(self, g):
        return g


class Concat(Function):
    """out = [x₁, x₂, ...] joined along `axis`.   dL/dxᵢ = the slice of g where xᵢ went."""
    def forward(self, *xs, axis=0):
        axis = checks.join_axis("concat", [x.shape for x in xs], axis)
        self.save_for_backward(np.cumsum([x.shape[axis] for x in xs[:-1]]), axis)
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        splits, axis = self.saved
        return tuple(np.split(g, splits, axis=axis))


class Pad(Function):
    """out = x surrounded by `value`; pad_width as in numpy.pad.   d/dx = the centre of g."""
    def forward(self, x, pad_width, value=0.0):
        pad_width = checks.pad_width("pad", pad_width, x.shape)
        self.save_for_backward(tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, x.shape)))
        return np.pad(x, pad_width, constant_values=value)

    def backward(self, g):
        return g[self.saved[0]]


def _is_basic(index):
    """True for ints, slices, None and Ellipsis only: then no element is selected twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    """out = x[index] for ints, slices, integer arrays and boolean masks.

    d/dx: g is scattered back into zeros (ScatterAdd).
    """
    def forward(self, x, index):
        self.save_for_backward(index, x.shape)
        try:
            return x[index]
        except IndexError as err:
            raise IndexError(f"getitem: index {index!r} does not fit a tensor of shape {x.shape}: {err}") from None

    def backward(self, g):
        index, shape = self.saved
        return ScatterAdd.call(g, index=index, shape=shape)


class ScatterAdd(Function):
    """out = zeros(shape) with g added at [index]: GetItem's backward.   d/dg = out_grad[index] (GetItem).

    With integer arrays the same element can be picked several times, so the scatter adds (np.add.at).
    Its forward writes into an array, so create_graph does not replay it: it saves only the index."""
    def forward(self, g, index, shape):
        self.save_for_backward(index)
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    replay = Function.replay_inputs

    def backward(self, h):
        return GetItem.call(h, index=self.saved[0])
