"""Helpers shared by the losses: turning inputs/targets into tensors, checking shapes, and reductions.

The fused loss Functions fold the reduction in: with `scale` given they return scale·Σ loss
(scale = 1 for 'sum', 1/count for 'mean'), and their backward spreads g·scale back to every
element. That saves the separate sum and division nodes on the hot path of every training step.
"""
import numpy as np

from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def as_input(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=float))


def like(target, x):
    """`target` as a Tensor of x's dtype (keeping its graph if it requires grad)."""
    if isinstance(target, Tensor):
        if target.dtype == x.dtype:
            return target
        return target.astype(x.dtype) if target.requires_grad else Tensor(target.data.astype(x.dtype))
    return Tensor(np.asarray(target, dtype=x.dtype))


def same_shape(name, x, y):
    if x.shape != y.shape:
        raise ValueError(f"{name}: input has shape {x.shape} but target has shape {y.shape}; they must be equal "
                         "(e.g. reshape the target with .reshape(-1, 1) to match an (N, 1) output)")


def elementwise_weight(name, weight, x):
    """An optional per-element weight as an array of x's dtype that broadcasts to x's shape."""
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=x.dtype)
    try:
        ok = np.broadcast_shapes(w.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: weight of shape {w.shape} does not broadcast to the input's shape {x.shape}")
    return w


def scale_for(reduction, count, name):
    """None for 'none', 1 for 'sum', 1/count for 'mean' (count = elements, or total target weight)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if reduction == "none":
        return None
    if reduction == "sum":
        return 1.0
    if not count:
        raise ValueError(f"{name}: 'mean' over nothing (no elements, every target is ignore_index, "
                         "or the weights of the target classes are 0)")
    return 1.0 / count


def reduce(loss, reduction, name):
    """The reduction for losses composed from ops."""
    scale = scale_for(reduction, loss.size, name)
    return loss if scale is None else loss.sum() * scale


def finish(loss, weight, scale):
    """Forward helper of the fused losses: apply the element weights, then the folded reduction."""
    if weight is not None:
        loss = loss * weight
    return loss if scale is None else np.asarray(scale * loss.sum(), dtype=loss.dtype)


def spread(g, weight, scale):
    """Backward helper: dL/d(element loss) = g (reduction 'none') or g·scale for every element, times weight."""
    if scale is not None:
        g = g * scale
    return g if weight is None else g * weight
