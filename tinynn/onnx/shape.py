"""ONNX mappings of the ops that move elements (tinynn/ops/shape.py): matmul, reshape, permute, expand,
concat, pad, indexing. Called as mapping(g, args, options, out), see elementwise.py.

The traced shapes are concrete; where an output axis is the input's own axis (the batch axis of a
flatten, say) the mapping says "keep the input's size" (0 in Reshape, 1 in Expand) instead of
writing the number, so the exported model also runs with other batch sizes.
"""
import numpy as np

from .graph import INT64_MAX, NoMapping


def matmul(g, args, options, out):
    """-> MatMul (numpy's semantics, 1-D and batched inputs included)."""
    return g.node("MatMul", [g.input(a, out.dtype) for a in args])


def reshape(g, args, options, out):
    """-> Reshape. Leading axes of the same size as the input's are written 0 ('copy that axis');
    (N, ...) -> (N, -1), a flatten, is ONNX's Flatten(axis=1)."""
    x = args[0]
    shape = list(options["shape"])
    if 0 in shape:                                   # a literal empty axis: no copying, say it as it is
        if g.opset < 14:
            raise NoMapping(f"reshape to {tuple(shape)}: an empty axis needs Reshape's allowzero (opset 14 or newer)")
        return g.node("Reshape", [g.input(x), g.ints(out.shape)], allowzero=1)
    for i, n in enumerate(shape):
        if i >= x.ndim or n != x.shape[i]:
            break
        shape[i] = 0
    if shape == [0, -1] or (shape == [0, 0] and x.ndim == 2):    # nn.Flatten: say it as ONNX's Flatten
        return g.node("Flatten", [g.input(x)], axis=1)               # (what converters such as hls4ml look for)
    return g.node("Reshape", [g.input(x), g.ints(shape)])


def permute(g, args, options, out):
    """-> Transpose(perm)."""
    x = args[0]
    return g.node("Transpose", [g.input(x)], perm=[d % x.ndim for d in options["dims"]])


def expand(g, args, options, out):
    """-> Expand(shape), with 1 wherever the input already has the target size (ONNX broadcasts both ways)."""
    x = args[0]
    lead = out.ndim - x.ndim
    shape = [1 if i >= lead and x.shape[i - lead] == n else n for i, n in enumerate(out.shape)]
    return g.node("Expand", [g.input(x), g.ints(shape)])


def concat(g, args, options, out):
    """-> Concat(axis)."""
    return g.node("Concat", [g.input(a, out.dtype) for a in args], axis=int(options.get("axis", 0)))


def pad(g, args, options, out):
    """-> Pad(mode='constant'); numpy's ((before, after), ...) becomes ONNX's [befores..., afters...]."""
    x = args[0]
    widths = np.broadcast_to(np.asarray(options["pad_width"], dtype=np.int64), (x.ndim, 2))
    value = g.input(np.asarray(options.get("value", 0.0), out.dtype))
    return g.node("Pad", [g.input(x), g.ints(np.concatenate([widths[:, 0], widths[:, 1]])), value], mode="constant")


def _items(index, ndim):
    """The index as a tuple with Ellipsis spelled out as full slices."""
    items = list(index) if isinstance(index, tuple) else [index]
    used = sum(1 for i in items if i is not None and i is not Ellipsis
               and not (isinstance(i, np.ndarray) and i.dtype == bool))
    used += sum(i.ndim for i in items if isinstance(i, np.ndarray) and i.dtype == bool)
    if any(i is Ellipsis for i in items):
        k = next(k for k, i in enumerate(items) if i is Ellipsis)
        items[k:k + 1] = [slice(None)] * (ndim - used)
    return items


def getitem(g, args, options, out):
    """x[index] -> Slice for slices, Gather for an int or one integer array (or a 1-D boolean mask,
    as the integer positions it selects), Unsqueeze for None. More than one array index follows
    numpy's advanced-indexing rules, which have no direct ONNX counterpart."""
    x, index = args[0], options["index"]
    items = _items(index, x.ndim)
    arrays = [i for i in items if isinstance(i, (np.ndarray, list))]
    if len(arrays) > 1 or any(isinstance(i, np.ndarray) and i.dtype == bool and i.ndim != 1 for i in arrays):
        raise NoMapping(f"indexing with {index!r}: only one integer-array (or 1-D boolean) index can be "
                        "exported; index in several steps instead")
    name, axis = g.input(x), 0
    for item in items:
        if item is None:
            name = g.node("Unsqueeze", [name, g.ints([axis])])
            axis += 1
        elif isinstance(item, slice):
            start, stop, step = item.start, item.stop, 1 if item.step is None else item.step
            if (start, stop, step) != (None, None, 1):
                default_stop = INT64_MAX if step > 0 else -INT64_MAX
                name = g.slice(name, axis, (0 if step > 0 else -1) if start is None else start,
                               default_stop if stop is None else stop, step)
            axis += 1
        else:
            indices = np.asarray(item)
            if indices.dtype == bool:
                indices = np.flatnonzero(indices)
            if indices.dtype.kind not in "iu":
                raise NoMapping(f"indexing with {index!r}: index entries must be ints, slices, None, "
                                f"Ellipsis or integer/boolean arrays, got {item!r}")
            name = g.node("Gather", [name, g.input(indices.astype(np.int64))], axis=axis)
            axis += indices.ndim
    return name
