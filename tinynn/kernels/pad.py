"""Padding of the two spatial axes of (N, C, H, W) arrays, and its adjoint ("folding").

`pad2d(x, pads, mode)` with pads = (top, bottom, left, right) and mode
  'zeros'     the border is 0,
  'circular'  the image is a torus: the row above the top row is the bottom row (periodic lattices),
  'reflect'   mirrored without repeating the edge: ... x2 x1 | x0 x1 x2 ... (numpy's 'reflect').

Every padded element is a copy of one input element (or 0), so the padding is a linear map P and
its backward is the transpose Pᵀ: `fold2d(g, pads, mode)` adds each border gradient back onto the
element it was copied from. For 'circular' that wraps exactly like the torus: the gradient of the
padded top rows lands on the bottom rows of the image, and vice versa. `tests/test_conv_pad.py`
checks <pad(x), g> = <x, fold(g)> for all modes.
"""
import numpy as np

MODES = ("zeros", "circular", "reflect")


def check_pads(shape, pads, mode):
    """Raise a clear ValueError unless `pads` fit an input of spatial size shape[-2:] in `mode`."""
    if mode not in MODES:
        raise ValueError(f"padding_mode must be one of {MODES}, got {mode!r}")
    if len(pads) != 4 or any(int(p) != p or p < 0 for p in pads):
        raise ValueError(f"pads must be four non-negative ints (top, bottom, left, right), got {pads}")
    H, W = shape[-2:]
    for before, after, n, axis in ((pads[0], pads[1], H, "height"), (pads[2], pads[3], W, "width")):
        if mode == "circular" and max(before, after) > n:
            raise ValueError(f"circular padding of {max(before, after)} is larger than the input {axis} {n}")
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(f"reflect padding of {max(before, after)} needs an input {axis} of at least "
                             f"{max(before, after) + 1}, got {n}")


def _stop(i):
    """A reversed slice running down to index 0 needs stop=None, not -1 (which means the end)."""
    return None if i < 0 else i


def _pad_axis(x, before, after, mode, axis):
    """Pad one axis (-2 or -1) of x by copying slices; returns a new array."""
    n = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = n + before + after
    out = np.zeros(shape, dtype=x.dtype) if mode == "zeros" else np.empty(shape, dtype=x.dtype)

    def sl(lo, hi, step=None):
        index = [slice(None)] * x.ndim
        index[axis] = slice(lo, hi, step)
        return tuple(index)

    out[sl(before, before + n)] = x
    if mode == "circular":                     # the last `before` rows go on top, the first `after` below
        out[sl(0, before)] = x[sl(n - before, n)]
        out[sl(before + n, before + n + after)] = x[sl(0, after)]
    elif mode == "reflect":                    # row before-k is x[k], row before+n-1+k is x[n-1-k]
        out[sl(0, before)] = x[sl(before, 0, -1)]
        out[sl(before + n, before + n + after)] = x[sl(n - 2, _stop(n - 2 - after), -1)]
    return out


def _fold_axis(g, before, after, mode, axis):
    """Adjoint of _pad_axis: the centre of g plus each border added onto its source rows."""
    n = g.shape[axis] - before - after

    def sl(lo, hi, step=None):
        index = [slice(None)] * g.ndim
        index[axis] = slice(lo, hi, step)
        return tuple(index)

    out = g[sl(before, before + n)].copy()
    if mode == "circular":
        out[sl(n - before, n)] += g[sl(0, before)]
        out[sl(0, after)] += g[sl(before + n, before + n + after)]
    elif mode == "reflect":
        out[sl(before, 0, -1)] += g[sl(0, before)]
        out[sl(n - 2, _stop(n - 2 - after), -1)] += g[sl(before + n, before + n + after)]
    return out


def pad2d(x, pads, mode="zeros"):
    """x (..., H, W) -> (..., H + top + bottom, W + left + right)."""
    top, bottom, left, right = pads
    if not any(pads):
        return x
    return _pad_axis(_pad_axis(x, top, bottom, mode, -2), left, right, mode, -1)


def fold2d(g, pads, mode="zeros"):
    """Gradient of pad2d: g (..., H + top + bottom, W + left + right) -> (..., H, W)."""
    top, bottom, left, right = pads
    if not any(pads):
        return g
    return _fold_axis(_fold_axis(g, left, right, mode, -1), top, bottom, mode, -2)
