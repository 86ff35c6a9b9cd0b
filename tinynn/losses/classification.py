"""Multi-class losses: cross-entropy on logits (one fused Function) and NLL on log-probabilities.

Shapes as in PyTorch: input (N, C), or (C,) for one example, or (N, C, d1, ...) with the class axis
second; class-index targets have the input's shape without the class axis.
"""
import numpy as np

from ..checks import as_array
from ..function import Function
from ..ops import where
from ..ops.activation import stable_log_softmax
from ..tensor import Tensor
from .common import apply_reduced, as_input, check_reduction, like, reduce, reduced, spread


def _rows(x):
    """Logits (N, C), (C,) or (N, C, d1, ...) as rows (M, C), and the shape of one loss per row."""
    if x.ndim == 0:
        raise ValueError("cross_entropy/nll_loss: the input needs a class axis, got a scalar")
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    if x.ndim == 2:
        return x, x.shape[:1]
    moved = x.permute((0,) + tuple(range(2, x.ndim)) + (1,))   # class axis last
    return moved.reshape(-1, x.shape[1]), moved.shape[:-1]


def _class_weights(name, weight, n_classes, dtype):
    w = as_array(weight, dtype, op=name)
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


def _class_indices(name, t, batch, x_shape, n_classes, ignore_index):
    """Check class-index targets; return them flat (int64) and the rows that are not ignored (None = all)."""
    if t.shape != batch:
        raise ValueError(f"{name}: input of shape {x_shape} needs class-index targets of shape {batch}"
                         + (f" or class probabilities of shape {x_shape}" if name == "cross_entropy" else "")
                         + f", got target of shape {t.shape}")
    if t.dtype.kind == "f":
        if not np.isfinite(t).all():
            raise ValueError(f"{name}: class targets must be finite integers, found {t[~np.isfinite(t)][0]}")
        fractional = t != np.round(t)
        if fractional.any():
            raise ValueError(f"{name}: class targets must be integers, found {t[fractional][0].item()!r} "
                             "(for class probabilities pass a target of the input's shape)")
    elif t.dtype.kind not in "biu":
        raise TypeError(f"{name}: class targets must be integers, got dtype {t.dtype}")
    t = t.astype(np.int64, copy=False).reshape(-1)
    if t.size and t.min() >= 0 and t.max() < n_classes and not 0 <= ignore_index < n_classes:
        return t, None                                          # the common case: all targets valid
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise ValueError(f"{name}: target {t[bad][0]} is out of range for {n_classes} classes "
                         f"(class indices are 0..{n_classes - 1}, or ignore_index={ignore_index})")
    return t, np.nonzero(valid)[0]


def _target_weights(name, x, target, weight, ignore_index, smoothing):
    """Class-index targets as a matrix q (M, C): q[i, t_i] = (1-ε)·w[t_i], plus ε·w_c/C in every column,
    rows with target == ignore_index all 0; and the 'mean' denominator Σ_i w[t_i] over kept rows."""
    rows, batch = _rows(x)
    n_classes = rows.shape[1]
    t, kept = _class_indices(name, as_array(target, op=name), batch, x.shape, n_classes, ignore_index)
    kept = np.arange(t.size) if kept is None else kept
    cls = t[kept]
    q = np.zeros(rows.shape, x.dtype)
    w = None if weight is None else _class_weights(name, weight, n_classes, x.dtype)
    q[kept, cls] = (1 - smoothing) * (1 if w is None else w[cls])
    if smoothing:
        q[kept] += smoothing / n_classes * (1 if w is None else w)
    return rows, batch, q, (kept.size if w is None else float(w[cls].sum()))


class SoftmaxCrossEntropy(Function):
    """out_i = -Σ_c q_ic log softmax(x_i)_c for logits x (M, C) and target weights q (M, C) [reduced].

    For a one-hot q this is -log softmax(x_i)[t_i]. stable_log_softmax is finite for any finite
    logits; a masked logit (-inf) with q = 0 adds 0 (not 0·(-inf) = NaN).
    d/dx = softmax(x)·Σ_c q_ic - q   (softmax - onehot),   d/dq = -log softmax(x).
    """
    def forward(self, x, q, divisor=None):
        logp = stable_log_softmax(x, 1)
        self.save_for_backward(logp, q, divisor)
        qlogp = np.multiply(q, logp, out=np.zeros_like(logp), where=np.not_equal(q, 0))   # q = 0 adds 0, even at -inf
        return reduced(-qlogp.sum(axis=1), divisor)

    def backward(self, g):
        logp, q, divisor = self.saved
        g = spread(g, divisor)[..., None]               # one g per row (or one for all), along the classes
        gx = g * (np.exp(logp) * q.sum(axis=1, keepdims=True) - q) if self.needs_input_grad[0] else None
        gq = -g * logp if self.needs_input_grad[1] else None
        return gx, gq


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits `input` against

    - class indices in 0..C-1: -w[t] log softmax(x)[t]; 'mean' divides by Σ w[t] (the count without weights);
    - class probabilities of the input's shape: -Σ_c w_c p_c log softmax(x)_c; 'mean' divides by N.
    label_smoothing ε replaces the target by (1-ε)·target + ε/C (uniform over the classes).
    """
    check_reduction(reduction, "cross_entropy")
    x = as_input(input, "cross_entropy")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    t = as_array(target, op="cross_entropy")
    if t.shape == x.shape and t.dtype.kind == "f":               # class probabilities
        rows, batch = _rows(x)
        q, _ = _rows(like(target, x, "cross_entropy"))
        n_classes = rows.shape[1]
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        if weight is not None:
            q = q * _class_weights("cross_entropy", weight, n_classes, x.dtype)
        count = rows.shape[0]
    else:
        rows, batch, q, count = _target_weights("cross_entropy", x, target, weight, ignore_index, label_smoothing)
    loss = apply_reduced(SoftmaxCrossEntropy, (rows, q), reduction, "cross_entropy", count=count)
    return loss.reshape(batch) if reduction == "none" and loss.shape != batch else loss


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities `input` (e.g. LogSoftmax output):
    -w[t]·input[t]; 'mean' divides by Σ w[t]. Composed: the picked entries (indexing), times the weights;
    rows with target == ignore_index give 0."""
    name = "nll_loss"
    check_reduction(reduction, name)
    x = as_input(input, name)
    rows, batch = _rows(x)
    t, kept = _class_indices(name, as_array(target, op=name), batch, x.shape, rows.shape[1], ignore_index)
    valid = np.ones(t.size, bool) if kept is None else np.isin(np.arange(t.size), kept)
    safe = np.where(valid, t, 0)
    w = np.ones(rows.shape[1], x.dtype) if weight is None else _class_weights(name, weight, rows.shape[1], x.dtype)
    loss = -rows[np.arange(t.size), safe] * w[safe]
    if kept is not None:
        loss = where(valid, loss, 0.0)
    count = float(w[safe][valid].sum()) if weight is not None else int(valid.sum())
    return reduce(loss.reshape(batch), reduction, name, count=count)
