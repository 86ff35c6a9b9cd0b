"""Metrics reported by `fit`/`evaluate`, computed batch by batch and combined exactly over the epoch.

Each metric turns one batch (numpy arrays `pred`, `target`) into a (sum, count) pair; the epoch
value is finish(Σ sums, Σ counts). So accuracy is (correct, seen) and RMSE is √(Σ e² / n) over
the whole epoch, not an average of per-batch RMSEs. Names as in Keras: 'accuracy' (or 'acc'),
'mae', 'mse', 'rmse' (and their long names); any callable fn(pred, target) -> float also works
(averaged over batches, weighted by batch size).
"""
import math

import numpy as np


def match_target(pred, target):
    """Targets of shape (N,) for outputs of shape (N, 1): reshape them, as Keras does; else unchanged."""
    if target.shape != pred.shape and pred.shape[-1:] == (1,) and target.shape == pred.shape[:-1]:
        return target.reshape(pred.shape)
    return target


class Metric:
    """Base class: `batch(pred, target) -> (sum, count)` and `finish(sum, count) -> value`."""

    name = "metric"

    def batch(self, pred, target):
        raise NotImplementedError

    def finish(self, total, count):
        return total / count if count else math.nan

    def __call__(self, pred, target):
        """The metric over whole arrays (or Tensors) at once."""
        pred, target = (getattr(a, "data", a) for a in (pred, target))
        return self.finish(*self.batch(np.asarray(pred), np.asarray(target)))

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Accuracy(Metric):
    """Fraction of correct predictions.

    Multi-class (outputs (N, C), C > 1): argmax of the output vs integer labels (N,) or one-hot /
    probability targets (N, C). Binary (outputs (N,) or (N, 1)): output > threshold (0.5 for
    probabilities; 0 with from_logits=True) vs target > 0.5 (labels 0/1, or -1/1 for tanh outputs).
    """

    def __init__(self, name="accuracy", threshold=0.5, from_logits=False):
        self.name, self.threshold = name, 0.0 if from_logits else threshold

    def batch(self, pred, target):
        if pred.ndim >= 2 and pred.shape[-1] > 1:
            labels = pred.argmax(axis=-1)
            if target.shape == pred.shape:
                target = target.argmax(axis=-1)
            elif target.shape != labels.shape:
                raise ValueError(f"accuracy: outputs of shape {pred.shape} need integer labels of shape "
                                 f"{labels.shape} or one-hot targets of shape {pred.shape}, got {target.shape}")
            return int(np.count_nonzero(labels == target)), labels.size
        target = match_target(pred, target)
        if target.shape != pred.shape:
            raise ValueError(f"accuracy: binary outputs of shape {pred.shape} need targets of the same shape, "
                             f"got {target.shape}")
        return int(np.count_nonzero((pred > self.threshold) == (target > 0.5))), pred.size


class _Elementwise(Metric):
    def _errors(self, pred, target):
        target = match_target(pred, target)
        if target.shape != pred.shape:
            raise ValueError(f"{self.name}: outputs of shape {pred.shape} and targets of shape {target.shape} differ")
        return pred - target


class MeanAbsoluteError(_Elementwise):
    """mean |pred − target| over all elements."""

    def __init__(self, name="mae"):
        self.name = name

    def batch(self, pred, target):
        return float(np.abs(self._errors(pred, target)).sum()), pred.size


class MeanSquaredError(_Elementwise):
    """mean (pred − target)² over all elements."""

    def __init__(self, name="mse"):
        self.name = name

    def batch(self, pred, target):
        e = self._errors(pred, target)
        return float(np.dot(e.ravel(), e.ravel())), pred.size


class RootMeanSquaredError(MeanSquaredError):
    """√(mean (pred − target)²), the mean taken over the whole epoch before the root."""

    def __init__(self, name="rmse"):
        self.name = name

    def finish(self, total, count):
        return math.sqrt(total / count) if count else math.nan


class FunctionMetric(Metric):
    """A user function fn(pred, target) -> float of one batch, averaged weighted by batch size."""

    def __init__(self, fn, name=None):
        self.fn, self.name = fn, name or getattr(fn, "__name__", type(fn).__name__)

    def batch(self, pred, target):
        return float(self.fn(pred, target)) * len(pred), len(pred)


_NAMES = {"accuracy": Accuracy, "acc": Accuracy, "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
          "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError, "rmse": RootMeanSquaredError,
          "root_mean_squared_error": RootMeanSquaredError}


def get(metric):
    """A Metric from a name ('accuracy', 'mae', ...), a Metric, or a callable fn(pred, target)."""
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, str):
        if metric not in _NAMES:
            raise ValueError(f"unknown metric {metric!r}; known names: {sorted(_NAMES)} (or pass a function)")
        return _NAMES[metric](name=metric)
    if callable(metric):
        return FunctionMetric(metric)
    raise TypeError(f"a metric must be a name, a Metric or a function, got {type(metric).__name__}")
