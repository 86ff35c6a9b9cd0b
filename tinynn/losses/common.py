"""Helpers shared by the losses: turning inputs and targets into tensors, checking shapes, reducing.

Each loss Function computes the loss of every element (or row), and the reduction ('mean', 'sum',
'none') inside the same op: `reduced` in its forward, `spread` at the start of its backward. That
keeps the graph of a training step shorter than a separate reduction (the XOR training of benchmarks/,
121 steps of batch 1, took 12.1 ms of CPU instead of 18.4 ms with a Sum and a division node: small
networks are dominated by the cost per node). Losses composed from ops reduce with ops (`reduce`).
"""
import numpy as np

from ..checks import as_array
from ..tensor import Tensor, get_default_dtype

REDUCTIONS = ("mean", "sum", "none")


def as_input(x, name, target=None):
    """The model output as a floating Tensor. An integer input is promoted as in PyTorch, to the
    float dtype of the target (or the default float dtype), so a float target is never truncated."""
    x = x if isinstance(x, Tensor) else Tensor(as_array(x, op=name))
    if x.dtype.kind == "f":
        return x
    t = None if target is None else as_array(target, op=name)
    return x.astype(t.dtype if t is not None and t.dtype.kind == "f" else get_default_dtype())


def like(target, x, name):
    """`target` as a Tensor of x's dtype (keeping its graph if it requires grad)."""
    if isinstance(target, Tensor):
        if target.dtype == x.dtype:
            return target
        if target.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected numbers, got data of dtype {target.dtype}")
        return target.astype(x.dtype) if target.requires_grad else Tensor(target.data.astype(x.dtype))
    return Tensor(as_array(target, x.dtype, op=name))


def same_shape(name, x, y):
    if x.shape != y.shape:
        raise ValueError(f"{name}: input has shape {x.shape} but target has shape {y.shape}; they must be equal "
                         "(e.g. reshape the target with .reshape(-1, 1) to match an (N, 1) output)")


def elementwise_weight(name, weight, x):
    """An optional per-element weight as an array of x's dtype that broadcasts to x's shape."""
    if weight is None:
        return None
    w = as_array(weight, x.dtype, op=name)
    try:
        ok = np.broadcast_shapes(w.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: weight of shape {w.shape} does not broadcast to the input's shape {x.shape}")
    return w


def check_reduction(reduction, name):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduced(loss, divisor):
    """In a loss op's forward: the per-element losses (divisor None, reduction 'none'), or Σ loss / divisor
    (1 for 'sum', the count for 'mean'), summed in float32 at least (a float16 sum overflows)."""
    if divisor is None:
        return loss
    if not isinstance(loss, np.ndarray):          # a Tensor: the op replayed by create_graph=True
        return loss.sum() / divisor
    total = loss.sum(dtype=np.float32) if loss.dtype == np.float16 else loss.sum()
    return np.asarray(total / divisor, dtype=loss.dtype)


def spread(g, divisor):
    """At the start of a loss op's backward: dL/d(per-element loss), g itself or g / divisor (a 0-d array
    that broadcasts over the elements)."""
    return g if divisor is None else g / divisor


def apply_reduced(op, inputs, reduction, name, weight=None, count=None, **options):
    """op's losses reduced inside the op (count: what 'mean' divides by, default the number of elements);
    with per-element weights, the weighted losses reduced by ops."""
    check_reduction(reduction, name)
    if weight is not None:
        return reduce(op.apply(*inputs, **options) * weight, reduction, name, count=count)
    count = inputs[0].size if count is None else count
    if reduction == "mean" and not count:
        raise ValueError(f"{name}: 'mean' over nothing (no elements, every target is ignore_index, "
                         "or the weights of the target classes are 0)")
    return op.apply(*inputs, divisor={"none": None, "sum": 1, "mean": count}[reduction], **options)


def reduce(loss, reduction, name, weight=None, count=None):
    """loss [· weight], then 'none' (as is), 'sum', or 'mean': Σ / count (count defaults to the number
    of elements; for class weights it is the total weight of the targets)."""
    check_reduction(reduction, name)
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if not (loss.size if count is None else count):
        raise ValueError(f"{name}: 'mean' over nothing (no elements, every target is ignore_index, "
                         "or the weights of the target classes are 0)")
    return loss.mean() if count is None else loss.sum() / count
