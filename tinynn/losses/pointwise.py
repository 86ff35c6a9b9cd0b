"""Losses computed element by element: regression (MSE, L1, Gaussian NLL) and binary classification
(BCE on probabilities, BCE on logits). Input and target must have the same shape.

notation: x the model output, y the target, g = dL/d(out) arriving from above.
"""
import math

import numpy as np

from ..function import Function
from ..ops.activation import stable_sigmoid, stable_softplus
from .common import (apply_reduced, as_input, check_reduction, elementwise_weight, like, reduce, reduced,
                     same_shape, spread)


def _pair(name, input, target):
    """(x, y): the input as a float Tensor (an int input promoted, never the target truncated) and the
    target as a Tensor of its dtype, of the same shape."""
    x = as_input(input, name, target)
    y = like(target, x, name)
    same_shape(name, x, y)
    return x, y


class SquaredError(Function):
    """out = (x - y)² per element [reduced].   d/dx = 2(x - y),  d/dy = -2(x - y)."""
    def forward(self, x, y, divisor=None):
        d = x - y
        self.save_for_backward(d, divisor)
        return reduced(d * d, divisor)

    def backward(self, g):
        d, divisor = self.saved
        gx = 2 * d * spread(g, divisor)
        return gx, (-gx if self.needs_input_grad[1] else None)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (input - target)²."""
    check_reduction(reduction, "mse_loss")
    x, y = _pair("mse_loss", input, target)
    return apply_reduced(SquaredError, (x, y), reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error |input - target| (composed: abs and subtraction)."""
    check_reduction(reduction, "l1_loss")
    x, y = _pair("l1_loss", input, target)
    return reduce(abs(x - y), reduction, "l1_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of target under N(input, var): ½ (log var + (input - target)² / var) [+ ½ log 2π].

    `var` has the input's shape, or lacks its last axis / has size 1 there (one variance for all
    components). As in PyTorch, var is clamped at ≥ eps for stability, with the gradient passed
    straight through the clamp.
    """
    name = "gaussian_nll_loss"
    check_reduction(reduction, name)
    x, y = _pair(name, input, target)
    v = like(var, x, name)
    if v.shape == x.shape[:-1]:
        v = v.reshape(v.shape + (1,))
    if v.shape != x.shape and v.shape != x.shape[:-1] + (1,):
        raise ValueError(f"{name}: var has shape {v.shape}; it must be the input's shape {x.shape}, "
                         f"{x.shape[:-1]}, or {x.shape[:-1] + (1,)}")
    if not np.all(v.data >= 0):
        raise ValueError(f"{name}: var has negative entries (or NaN), e.g. {v.data[~(v.data >= 0)][0]}")
    v = v + (np.maximum(v.data, eps) - v.data)        # clamp the value, keep the identity gradient
    d = x - y
    loss = 0.5 * (v.log() + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction, name)


class BinaryCrossEntropy(Function):
    """out = -[y log p + (1-y) log(1-p)] [reduced], each log clamped at ≥ -100 as in PyTorch, so p = 0
    or 1 gives a finite loss.

    d/dp = (p - y) / max(p(1-p), 1e-12),   d/dy = log(1-p) - log p   (clamped logs).
    """
    def forward(self, p, y, divisor=None):
        with np.errstate(divide="ignore"):
            log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        self.save_for_backward(p, y, log_p, log_q, divisor)
        return reduced(-(y * log_p + (1 - y) * log_q), divisor)

    def backward(self, g):
        p, y, log_p, log_q, divisor = self.saved
        g = spread(g, divisor)
        gp = g * (p - y) / np.maximum(p * (1 - p), 1e-12) if self.needs_input_grad[0] else None
        gy = g * (log_q - log_p) if self.needs_input_grad[1] else None
        return gp, gy


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """BCE of probabilities `input` (e.g. a sigmoid output) against targets in [0, 1]; `weight` rescales elements."""
    name = "binary_cross_entropy"
    check_reduction(reduction, name)
    p, y = _pair(name, input, target)
    for what, t in (("input", p), ("target", y)):
        if t.size and not (t.data.min() >= 0 and t.data.max() <= 1):     # NaN fails both comparisons
            hint = " (for logits use binary_cross_entropy_with_logits)" if what == "input" else ""
            raise ValueError(f"{name}: {what} values must lie in [0, 1], found min {t.data.min()} "
                             f"and max {t.data.max()}{hint}")
    return apply_reduced(BinaryCrossEntropy, (p, y), reduction, name, elementwise_weight(name, weight, p))


class BCEWithLogits(Function):
    """out = (1-y)·x + w·softplus(-x) [reduced],  w = 1 + (pos_weight - 1)·y  (stable_softplus never overflows).

    For pos_weight = 1 this is max(x,0) - x·y + log1p(e^-|x|), unlike log σ(x) finite for any x.
    d/dx = w·σ(x) - pos_weight·y  (= σ(x) - y),   d/dy = -x + (pos_weight - 1)·softplus(-x).
    """
    def forward(self, x, y, pos_weight=1.0, divisor=None):
        sp_neg = stable_softplus(-x)
        self.save_for_backward(x, y, sp_neg, pos_weight, divisor)
        return reduced((1 - y) * x + (1 + (pos_weight - 1) * y) * sp_neg, divisor)

    def backward(self, g):
        x, y, sp_neg, pw, divisor = self.saved
        g = spread(g, divisor)
        gx = g * ((1 + (pw - 1) * y) * stable_sigmoid(x) - pw * y) if self.needs_input_grad[0] else None
        gy = g * (-x + (pw - 1) * sp_neg) if self.needs_input_grad[1] else None
        return gx, gy


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """BCE of σ(input) against targets, computed from the logits in a stable form.

    pos_weight (broadcast along the last axis, e.g. one per class) multiplies the loss of positive
    targets: > 1 raises recall; n_negative/n_positive balances an unbalanced set.
    """
    name = "binary_cross_entropy_with_logits"
    check_reduction(reduction, name)
    x, y = _pair(name, input, target)
    pw = 1.0 if pos_weight is None else elementwise_weight(name + " (pos_weight)", pos_weight, x)
    return apply_reduced(BCEWithLogits, (x, y), reduction, name, elementwise_weight(name, weight, x), pos_weight=pw)
