"""Loss functions with PyTorch's names, arguments and numerics (the modules are in tinynn.nn).

Every loss takes reduction='mean' (average over elements, or over the class-target weights for
cross-entropy/NLL with `weight=`), 'sum', or 'none' (the per-element losses). Inputs are the model
outputs; targets may be Tensors or numpy arrays and are cast to the input's dtype.

Where composing existing ops is already stable, a loss is composed (MSE, L1, Gaussian NLL, NLL);
where the stable form or the speed needs it, it is one fused Function with its backward beside it
(BCE with the clamped log, BCE with logits, softmax cross-entropy).
"""
import math

import numpy as np

from .function import Function
from .ops.activation import _sigmoid
from .tensor import Tensor


# ---- shared helpers ---------------------------------------------------------------------------
def _input(x):
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=float))


def _like(target, x):
    """`target` as a Tensor of x's dtype (keeping its graph if it requires grad)."""
    if isinstance(target, Tensor):
        if target.dtype == x.dtype:
            return target
        return target.astype(x.dtype) if target.requires_grad else Tensor(target.data.astype(x.dtype))
    return Tensor(np.asarray(target, dtype=x.dtype))


def _same_shape(name, x, y):
    if x.shape != y.shape:
        raise ValueError(f"{name}: input has shape {x.shape} but target has shape {y.shape}; they must be equal "
                         "(e.g. reshape the target with .reshape(-1, 1) to match an (N, 1) output)")


def _reduce(loss, reduction, name, denominator=None):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean() if denominator is None else loss.sum() / denominator
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


# ---- regression -------------------------------------------------------------------------------
def mse_loss(input, target, reduction="mean"):
    """(input - target)², averaged/summed by `reduction`."""
    x = _input(input)
    y = _like(target, x)
    _same_shape("mse_loss", x, y)
    d = x - y
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    """|input - target|."""
    x = _input(input)
    y = _like(target, x)
    _same_shape("l1_loss", x, y)
    return _reduce(abs(x - y), reduction, "l1_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of target under N(input, var): ½ (log var + (input - target)² / var) [+ ½ log 2π].

    `var` has the input's shape, or lacks its last axis / has size 1 there (one variance for all
    components). As in PyTorch, var is clamped at ≥ eps for stability, with the gradient passed
    straight through the clamp.
    """
    x = _input(input)
    y = _like(target, x)
    v = _like(var, x)
    _same_shape("gaussian_nll_loss", x, y)
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
    return _reduce(loss, reduction, "gaussian_nll_loss")


# ---- binary classification --------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """out = -[y log p + (1-y) log(1-p)], each log clamped at ≥ -100 as in PyTorch (so p = 0 or 1 is finite).

    d/dp = (p - y) / max(p(1-p), 1e-12),   d/dy = log(1-p) - log p   (clamped logs).  Shapes: all equal.
    """
    def forward(self, p, y):
        with np.errstate(divide="ignore"):
            log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        self.save_for_backward(p, y, log_p, log_q)
        return -(y * log_p + (1 - y) * log_q)

    def backward(self, g):
        p, y, log_p, log_q = self.saved
        gp = g * (p - y) / np.maximum(p * (1 - p), 1e-12) if self.needs_input_grad[0] else None
        gy = g * (log_q - log_p) if self.needs_input_grad[1] else None
        return gp, gy


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """BCE of probabilities `input` (e.g. a sigmoid output) against targets in [0, 1]; `weight` rescales elements."""
    p = _input(input)
    y = _like(target, p)
    _same_shape("binary_cross_entropy", p, y)
    for what, t in (("input", p), ("target", y)):
        if t.size and (np.min(t.data) < 0 or np.max(t.data) > 1):
            hint = " (for logits use binary_cross_entropy_with_logits)" if what == "input" else ""
            raise ValueError(f"binary_cross_entropy: {what} values must lie in [0, 1], found min {np.min(t.data)} "
                             f"and max {np.max(t.data)}{hint}")
    loss = BinaryCrossEntropy.apply(p, y)
    if weight is not None:
        loss = loss * _like(weight, p)
    return _reduce(loss, reduction, "binary_cross_entropy")


class BCEWithLogits(Function):
    """out = (1-y)·x + w·softplus(-x),  w = 1 + (pos_weight - 1)·y,  softplus(-x) = max(-x,0) + log1p(e^-|x|).

    For pos_weight = 1 this is max(x,0) - x·y + log1p(e^-|x|): never overflows, unlike log σ(x).
    d/dx = w·σ(x) - pos_weight·y  (= σ(x) - y),   d/dy = -x + (pos_weight - 1)·softplus(-x).
    """
    def forward(self, x, y, pos_weight=1.0):
        sp_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        w = 1 + (pos_weight - 1) * y
        self.save_for_backward(x, y, sp_neg, w, pos_weight)
        return (1 - y) * x + w * sp_neg

    def backward(self, g):
        x, y, sp_neg, w, pw = self.saved
        gx = g * (w * _sigmoid(x) - pw * y) if self.needs_input_grad[0] else None
        gy = g * (-x + (pw - 1) * sp_neg) if self.needs_input_grad[1] else None
        return gx, gy


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """BCE of σ(input) against targets, computed from the logits in a stable form.

    pos_weight (broadcast along the last axis, e.g. one per class) multiplies the loss of positive
    targets: > 1 raises recall; n_negative/n_positive balances an unbalanced set.
    """
    x = _input(input)
    y = _like(target, x)
    _same_shape("binary_cross_entropy_with_logits", x, y)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight.data if isinstance(pos_weight, Tensor) else pos_weight,
                                                  dtype=x.dtype)
    loss = BCEWithLogits.apply(x, y, pos_weight=pw)
    if weight is not None:
        loss = loss * _like(weight, x)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


# ---- multi-class classification -------------------------------------------------------------
def _rows(x):
    """Logits (N, C), (C,) or (N, C, d1, ...) as rows (M, C), and the batch shape of one loss per row."""
    if x.ndim == 0:
        raise ValueError("cross_entropy/nll_loss: the input needs a class axis, got a scalar")
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    if x.ndim == 2:
        return x, x.shape[:1]
    moved = x.permute((0,) + tuple(range(2, x.ndim)) + (1,))   # class axis last
    return moved.reshape(-1, x.shape[1]), moved.shape[:-1]


def _class_weights(name, weight, n_classes, dtype):
    if weight is None:
        return np.ones(n_classes, dtype)
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


def _target_rows(name, x, target, weight, ignore_index, smoothing):
    """Class-index targets -> q (M, C) with q[i, t_i] = (1-ε) w[t_i] (+ ε w_c / C everywhere) and the
    'mean' denominator Σ_i w[t_i]; rows with target == ignore_index get q = 0."""
    rows, batch = _rows(x)
    n_classes = rows.shape[1]
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if t.shape != batch:
        raise ValueError(f"{name}: input of shape {x.shape} needs class-index targets of shape {batch}"
                         + (f" or class probabilities of shape {x.shape}" if name == "cross_entropy" else "")
                         + f", got target of shape {t.shape}")
    if t.dtype.kind == "f":
        fractional = t != np.round(t)
        if fractional.any():
            raise ValueError(f"{name}: class targets must be integers, found {t[fractional][0].item()!r} "
                             "(for class probabilities pass a target of the input's shape)")
    elif t.dtype.kind not in "iu":
        raise TypeError(f"{name}: class targets must be integers, got dtype {t.dtype}")
    t = t.astype(np.int64).reshape(-1)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise ValueError(f"{name}: target {t[bad][0]} is out of range for {n_classes} classes "
                         f"(class indices are 0..{n_classes - 1}, or ignore_index={ignore_index})")
    w = _class_weights(name, weight, n_classes, x.dtype)
    q = np.zeros(rows.shape, x.dtype)
    index = np.nonzero(valid)[0]
    q[index, t[index]] = (1 - smoothing) * w[t[index]]
    if smoothing:
        q[index] += smoothing / n_classes * w
    return rows, batch, q, float(w[t[index]].sum())


class SoftmaxCrossEntropy(Function):
    """out_i = -Σ_c q_ic log softmax(x_i)_c, one loss per row of logits x (M, C) with target weights q (M, C).

    For a one-hot q this is -log softmax(x_i)[t_i]. With log-sum-exp after subtracting the row maximum
    it is stable for any logits.   d/dx = softmax(x)·Σ_c q_ic - q  (softmax - onehot),  d/dq = -log softmax(x).
    """
    def forward(self, x, q):
        shifted = x - x.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.save_for_backward(logp, q)
        return -(q * logp).sum(axis=1)

    def backward(self, g):
        logp, q = self.saved
        g = g[:, None]
        gx = g * (np.exp(logp) * q.sum(axis=1, keepdims=True) - q) if self.needs_input_grad[0] else None
        gq = -g * logp if self.needs_input_grad[1] else None
        return gx, gq


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` (N, C) [or (C,), or (N, C, d1, ...)] against

    - class indices (N,) [(), (N, d1, ...)] in 0..C-1: -w[t] log softmax(x)[t], 'mean' divides by Σ w[t];
    - class probabilities of the input's shape: -Σ_c w_c p_c log softmax(x)_c, 'mean' divides by N.
    label_smoothing ε mixes the targets with the uniform distribution: (1-ε)·target + ε/C.
    """
    x = _input(input)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.shape == x.shape and t.dtype.kind == "f":               # class probabilities
        rows, batch = _rows(x)
        p, _ = _rows(_like(target, x))
        n_classes = rows.shape[1]
        if label_smoothing:
            p = p * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            p = p * _class_weights("cross_entropy", weight, n_classes, x.dtype)
        q, denominator = p, rows.shape[0]
    else:
        rows, batch, q, denominator = _target_rows("cross_entropy", x, target, weight, ignore_index, label_smoothing)
    loss = SoftmaxCrossEntropy.apply(rows, q).reshape(batch)
    return _mean_over(loss, reduction, denominator, "cross_entropy")


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities `input` (e.g. LogSoftmax output):
    -w[t] input[t], 'mean' divides by Σ w[t]. Shapes as for cross_entropy with class indices."""
    x = _input(input)
    rows, batch, q, denominator = _target_rows("nll_loss", x, target, weight, ignore_index, 0.0)
    loss = -(rows * q).sum(axis=1).reshape(batch)
    return _mean_over(loss, reduction, denominator, "nll_loss")


def _mean_over(loss, reduction, denominator, name):
    if reduction == "mean" and not denominator:
        raise ValueError(f"{name}: 'mean' over zero total weight (every target is ignore_index, "
                         "or the weights of the target classes are 0)")
    return _reduce(loss, reduction, name, denominator)


# ---- penalties --------------------------------------------------------------------------------
def _penalty_params(params, weights_only):
    params = params.parameters() if hasattr(params, "parameters") else params
    return [p for p in params if not (weights_only and p.ndim < 2)]


def _total(terms):
    return sum(terms[1:], terms[0]) if terms else Tensor(0.0)


def l2_penalty(params, weights_only=False):
    """Σ p² over a module's parameters (or an iterable of them); weights_only skips 1-D ones (biases).

    loss = criterion(model(x), y) + 1e-4 * l2_penalty(model)   # L2 regularisation
    """
    return _total([(p * p).sum() for p in _penalty_params(params, weights_only)])


def l1_penalty(params, weights_only=False):
    """Σ |p| over a module's parameters (or an iterable of them); weights_only skips 1-D ones (biases)."""
    return _total([abs(p).sum() for p in _penalty_params(params, weights_only)])


def gaussian_kl(mu, logsig2, prior_prec=1.0):
    """KL(N(mu, e^logsig2) || N(0, 1/prior_prec)) summed over all entries, in closed form:

    ½ Σ [prior_prec (mu² + σ²) - log σ² - 1 - log prior_prec],   σ² = e^logsig2.
    """
    return 0.5 * (prior_prec * (mu * mu + logsig2.exp()) - logsig2 - 1 - math.log(prior_prec)).sum()

