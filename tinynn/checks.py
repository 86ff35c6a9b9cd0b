"""What users pass in is checked here, in one place: the dtype policy for data, and the range of axes.

Every tensor, op, layer and loss converts its inputs with `as_array` / `operand` and its axes with
`axis` / `axes`, so a bad call gets one kind of message naming the op and the problem, never a bare
numpy traceback or a silently wrong result (a string tensor, None turned into NaN, a float target
truncated to an int, a float32 graph turned float64 by a numpy scalar).

The dtype policy:
  - Python floats (and lists of them) become the default float dtype (float32 unless changed);
    Python ints int64, bools bool; ndarrays and numpy scalars keep their dtype;
  - next to a float tensor (the other input of `x * y`, a layer's input, a loss target), numpy
    scalars, lists and arrays take that tensor's dtype, as Python numbers do;
  - object, string, bytes and complex data (and None) are refused with a TypeError.
"""
import numpy as np

from . import tensor as _tensor

NUMERIC = "biuf"                    # numpy kinds a tensor may hold: bool, int, unsigned int, float
_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype):
    """Dtype for tensors made from Python floats and by the factories (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"default dtype must be a floating type, got {dtype}")
    _default_dtype = dtype


def get_default_dtype():
    return _default_dtype


def as_array(data, dtype=None, op="tensor"):
    """`data` (a Tensor, ndarray, number or nested list) as an ndarray under the dtype policy above;
    `dtype` casts it after the check (a float target never passes through an int dtype)."""
    if isinstance(data, _tensor.Tensor):
        data = data.data
    arr = data if type(data) is np.ndarray else np.asarray(data)
    kind = arr.dtype.kind
    if kind not in NUMERIC:
        what = "None" if data is None else f"data of dtype {arr.dtype}"
        raise TypeError(f"{op}: expected numbers, got {what}"
                        + (" (is there a None or a string in it?)" if kind == "O" else ""))
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if kind == "f" and type(data) is not np.ndarray and not isinstance(data, np.generic):
        return arr.astype(_default_dtype, copy=False)     # Python floats: the default float dtype
    return arr


def operand(x, like, op):
    """The other input of an op next to `like`: Tensors and Python numbers as they are (numpy keeps a
    float32 tensor float32 with a Python number); anything else a Tensor, of like's dtype if that is
    floating. So `x * np.float64(2)` and `x / np.sqrt(d)` stay in x's dtype."""
    if type(x) in (int, float) or isinstance(x, _tensor.Tensor):
        return x
    floating = isinstance(like, _tensor.Tensor) and like.data.dtype.kind == "f"
    return _tensor.Tensor(as_array(x, like.data.dtype if floating else None, op))


def as_tensor(x, op):
    """x itself if it is a Tensor, else a Tensor of it (under the dtype policy)."""
    return x if isinstance(x, _tensor.Tensor) else _tensor.Tensor(as_array(x, op=op))


def op_error(op, arrays, err):
    """The error to raise when op's forward failed on `arrays` with `err` (a ValueError or TypeError
    from numpy): the same type, naming the op (and the input shapes); an AxisError is already clear."""
    if isinstance(err, AxisError):
        return err
    if isinstance(err, ValueError):
        shapes = ", ".join(str(np.shape(a)) for a in arrays)
        return ValueError(f"{op}: cannot apply to inputs of shapes {shapes}: {err}")
    return TypeError(f"{op}: {err}")


class AxisError(IndexError, ValueError):
    """An axis out of range (an IndexError, as PyTorch's, and a ValueError, as numpy's AxisError)."""


def axis(op, axis, shape, extra=0):
    """One axis as a non-negative int, for a tensor of `shape` (extra=1: an axis may also be inserted
    after the last one, as by unsqueeze and stack)."""
    ndim = len(shape) + extra
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: an axis must be an int, got {axis!r}")
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise AxisError(f"{op}: dimension out of range (axis {axis} for a tensor of shape {tuple(shape)}; "
                        f"expected an axis in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])")
    return int(axis) % max(ndim, 1)


def axes(op, axis_, shape):
    """`axis_` (None = all axes, an int, or a sequence of ints) as a sorted tuple of distinct axes."""
    if axis_ is None:
        return tuple(range(len(shape)))
    items = tuple(axis_) if isinstance(axis_, (tuple, list)) else (axis_,)
    out = tuple(sorted(axis(op, a, shape) for a in items))
    if not shape:
        return ()                    # a 0-d tensor: axis 0 or -1 reduces over nothing, as in PyTorch
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: an axis appears twice in {axis_!r}")
    return out


def permutation(op, dims, shape):
    """`dims` as a reordering of all axes of `shape` (a tuple of non-negative ints)."""
    if len(dims) != len(shape) or len(axes(op, dims, shape)) != len(shape):
        raise ValueError(f"{op}: needs a reordering of all {len(shape)} axes of shape {tuple(shape)}, "
                         f"got {tuple(dims)}")
    return tuple(axis(op, d, shape) for d in dims)


def join_axis(op, shapes, axis_):
    """The axis along which tensors of `shapes` are concatenated; all their other axes must agree."""
    if not shapes:
        raise ValueError(f"{op}: needs at least one tensor")
    first = shapes[0]
    ax = axis(op, axis_, first)
    if not first:
        raise ValueError(f"{op}: 0-d tensors have no axis to join along (stack joins them)")
    rest = first[:ax] + first[ax + 1:]
    if any(len(s) != len(first) or s[:ax] + s[ax + 1:] != rest for s in shapes):
        raise ValueError(f"{op}: along axis {ax}, all other axes must agree, got shapes {list(shapes)}")
    return ax


def pad_width(op, width, shape):
    """numpy.pad's `pad_width` for a tensor of `shape`, as an (ndim, 2) int array of widths ≥ 0."""
    try:
        width = np.broadcast_to(np.asarray(width, dtype=int), (len(shape), 2))
    except (ValueError, TypeError):
        raise ValueError(f"{op}: pad_width {width!r} does not fit a tensor of shape {tuple(shape)} "
                         "(one (before, after) pair per axis, or one pair for all)") from None
    if np.any(width < 0):
        raise ValueError(f"{op}: widths must be non-negative, got {width.tolist()}")
    return width
