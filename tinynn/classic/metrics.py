"""Metrics for the classic estimators, and the named scorers `GridSearchCV` accepts.

A metric compares true and predicted values; a *scorer* ``scorer(estimator, X, y)``
predicts and applies a metric so that higher is always better (error metrics
enter with a minus sign: ``"neg_mean_squared_error"``).
"""

import numpy as np


def _pair(y_true, y_pred, name):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true has shape {y_true.shape} but y_pred {y_pred.shape}")
    return y_true, y_pred


def accuracy_score(y_true, y_pred):
    """Fraction of exactly matching labels."""
    y_true, y_pred = _pair(y_true, y_pred, "accuracy_score")
    return float(np.mean(y_true == y_pred))


def mean_squared_error(y_true, y_pred):
    """Mean of (y - ŷ)² over all entries."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_squared_error")
    return float(np.mean((y_true.astype(float) - y_pred) ** 2))


def mean_absolute_error(y_true, y_pred):
    """Mean of |y - ŷ| over all entries."""
    y_true, y_pred = _pair(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(y_true.astype(float) - y_pred)))


def r2_score(y_true, y_pred):
    """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)², averaged uniformly over output columns.

    A constant target scores 1 for perfect predictions and 0 otherwise.
    """
    y_true, y_pred = _pair(y_true, y_pred, "r2_score")
    y_true = y_true.astype(float).reshape(len(y_true), -1)
    y_pred = y_pred.astype(float).reshape(len(y_pred), -1)
    ss_res = ((y_true - y_pred) ** 2).sum(axis=0)
    ss_tot = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    safe = ss_tot > 0
    r2 = np.where(safe, 1.0 - ss_res / np.where(safe, ss_tot, 1.0), np.where(ss_res == 0, 1.0, 0.0))
    return float(r2.mean())


def log_loss(y_true, proba, classes):
    """Mean -log p(true class); ``proba`` (n, n_classes) columns follow sorted ``classes``.

    Probabilities are clipped to [1e-15, 1] so a confident mistake costs ~34.5, not inf.
    """
    classes, y_true = np.asarray(classes), np.asarray(y_true)
    cols = np.searchsorted(classes, y_true)
    known = (cols < len(classes)) & (classes[np.minimum(cols, len(classes) - 1)] == y_true)
    if not known.all():
        raise ValueError(f"log_loss: label {y_true[~known][0]!r} is not among the classes {classes}")
    p = np.clip(np.asarray(proba, dtype=float)[np.arange(len(y_true)), cols], 1e-15, 1.0)
    return float(-np.mean(np.log(p)))


def _accuracy(est, X, y):
    return accuracy_score(y, est.predict(X))


def _r2(est, X, y):
    return r2_score(y, est.predict(X))


def _neg_mse(est, X, y):
    return -mean_squared_error(y, est.predict(X))


def _neg_rmse(est, X, y):
    return -float(np.sqrt(mean_squared_error(y, est.predict(X))))


def _neg_mae(est, X, y):
    return -mean_absolute_error(y, est.predict(X))


def _neg_log_loss(est, X, y):
    return -log_loss(y, est.predict_proba(X), est.classes_)


def _default_score(est, X, y):
    return float(est.score(X, y))


SCORERS = {"accuracy": _accuracy, "r2": _r2, "neg_mean_squared_error": _neg_mse,
           "neg_root_mean_squared_error": _neg_rmse, "neg_mean_absolute_error": _neg_mae,
           "neg_log_loss": _neg_log_loss}


def get_scorer(scoring):
    """``scorer(estimator, X, y) -> float`` for None (estimator.score), a name or a callable."""
    if scoring is None:
        return _default_score
    if callable(scoring):
        return scoring
    if scoring in SCORERS:
        return SCORERS[scoring]
    raise ValueError(f"unknown scoring {scoring!r}; use one of {sorted(SCORERS)} or a callable "
                     "scorer(estimator, X, y) returning a number (higher = better)")
