"""Losses computed element by element: regression (MSE, L1, Gaussian NLL) and binary classification
(BCE on probabilities, BCE on logits). Input and target must have the same shape.

notation: x the model output, y the target, g = dL/d(out) arriving from above.
"""
import math

import numpy as np

from ..function import Function
from ..ops.activation import _sigmoid
from .common import as_input, elementwise_weight, finish, like, reduce, same_shape, scale_for, spread


class SquaredError(Function):
    """out = (x - y)² per element [· weight] [reduced: scale · Σ].   d/dx = 2(x - y),  d/dy = -2(x - y)."""
    def forward(self, x, y, scale=None):
        d = x - y
        self.save_for_backward(d, scale)
        return finish(d * d, None, scale)

    def backward(self, g):
        d, scale = self.saved
        gx = 2 * d * spread(g, None, scale)
        return gx, (-gx if self.needs_input_grad[1] else None)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (input - target)²."""
    x = as_input(input)
    y = like(target, x)
    same_shape("mse_loss", x, y)
    return SquaredError.apply(x, y, scale=scale_for(reduction, x.size, "mse_loss"))


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error |input - target| (composed: abs and subtraction)."""
    x = as_input(input)
    y = like(target, x)
    same_shape("l1_loss", x, y)
    return reduce(abs(x - y), reduction, "l1_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of target under N(input, var): ½ (log var + (input - target)² / var) [+ ½ log 2π].

    `var` has the input's shape, or lacks its last axis / has size 1 there (one variance for all
    components). As in PyTorch, var is clamped at ≥ eps for stability, with the gradient passed
    straight through the clamp.
    """
    x = as_input(input)
    y = like(target, x)
    v = like(var, x)
    same_shape("gaussian_nll_loss", x, y)
    if v.shape == x.shape[:-1]:
        v = v.reshape(v.shape + (1,))
    if v.shape != x.shape and v.shape != x.shape[:-1] + (1,):
        raise ValueError(f"gaussian_nll_loss: var has shape {v.shape}; it must be the input's shape {x.shape}, "
                         f"{x.shape[:-1]}, or {x.shape[:-1] + (1,)}")
    if np.any(v.data < 0):
        raise ValueError(f"gaussian_nll_loss: var has negative entries (min {v.data.min()})")
    v = v + (np.maximum(v.data, eps) - v.data)        # clamp the value, keep the identity gradient
    d = x - y
    loss = 0.5 * (v.log() + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction, "gaussian_nll_loss")


class BinaryCrossEntropy(Function):
    """out = -[y log p + (1-y) log(1-p)] [· weight] [reduced], each log clamped at ≥ -100 as in PyTorch,
    so p = 0 or 1 gives a finite loss.

    d/dp = (p - y) / max(p(1-p), 1e-12),   d/dy = log(1-p) - log p   (clamped logs).
    """
    def forward(self, p, y, weight=None, scale=None):
        with np.errstate(divide="ignore"):
            log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        self.save_for_backward(p, y, log_p, log_q, weight, scale)
        return finish(-(y * log_p + (1 - y) * log_q), weight, scale)

    def backward(self, g):
        p, y, log_p, log_q, weight, scale = self.saved
        g = spread(g, weight, scale)
        gp = g * (p - y) / np.maximum(p * (1 - p), 1e-12) if self.needs_input_grad[0] else None
        gy = g * (log_q - log_p) if self.needs_input_grad[1] else None
        return gp, gy


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """BCE of probabilities `input` (e.g. a sigmoid output) against targets in [0, 1]; `weight` rescales elements."""
    p = as_input(input)
    y = like(target, p)
    same_shape("binary_cross_entropy", p, y)
    for what, t in (("input", p), ("target", y)):
        if t.size and (t.data.min() < 0 or t.data.max() > 1):      # methods: half the cost of np.min
            hint = " (for logits use binary_cross_entropy_with_logits)" if what == "input" else ""
            raise ValueError(f"binary_cross_entropy: {what} values must lie in [0, 1], found min {t.data.min()} "
                             f"and max {t.data.max()}{hint}")
    return BinaryCrossEntropy.apply(p, y, weight=elementwise_weight("binary_cross_entropy", weight, p),
                                    scale=scale_for(reduction, p.size, "binary_cross_entropy"))


class BCEWithLogits(Function):
    """out = (1-y)·x + w·softplus(-x),  w = 1 + (pos_weight - 1)·y,  softplus(-x) = max(-x,0) + log1p(e^-|x|).

    For pos_weight = 1 this is max(x,0) - x·y + log1p(e^-|x|): never overflows, unlike log σ(x).
    d/dx = w·σ(x) - pos_weight·y  (= σ(x) - y),   d/dy = -x + (pos_weight - 1)·softplus(-x).
    """
    def forward(self, x, y, pos_weight=1.0, weight=None, scale=None):
        sp_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        w = 1 + (pos_weight - 1) * y
        self.save_for_backward(x, y, sp_neg, w, pos_weight, weight, scale)
        return finish((1 - y) * x + w * sp_neg, weight, scale)

    def backward(self, g):
        x, y, sp_neg, w, pw, weight, scale = self.saved
        g = spread(g, weight, scale)
        gx = g * (w * _sigmoid(x) - pw * y) if self.needs_input_grad[0] else None
        gy = g * (-x + (pw - 1) * sp_neg) if self.needs_input_grad[1] else None
        return gx, gy


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """BCE of σ(input) against targets, computed from the logits in a stable form.

    pos_weight (broadcast along the last axis, e.g. one per class) multiplies the loss of positive
    targets: > 1 raises recall; n_negative/n_positive balances an unbalanced set.
    """
    name = "binary_cross_entropy_with_logits"
    x = as_input(input)
    y = like(target, x)
    same_shape(name, x, y)
    pw = 1.0 if pos_weight is None else elementwise_weight(name + " (pos_weight)", pos_weight, x)
    return BCEWithLogits.apply(x, y, pos_weight=pw, weight=elementwise_weight(name, weight, x),
                               scale=scale_for(reduction, x.size, name))
