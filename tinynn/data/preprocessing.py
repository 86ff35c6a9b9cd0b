"""Preparing arrays for a network: `Standardizer` (zero mean, unit variance per feature) and `one_hot`.

Both accept numpy arrays or Tensors and give back the same kind.
"""
import numpy as np

from ..tensor import Tensor, get_default_dtype


def _unwrap(x, name):
    if isinstance(x, Tensor):
        return x.data, True
    try:
        return np.asarray(x), False
    except Exception:
        raise TypeError(f"{name}: expected an array or Tensor, got {type(x).__name__}") from None


class Standardizer:
    """x ↦ (x − μ)/σ per feature, with μ and σ (population std, ddof=0) from the training data only.

    Features are everything after the first (sample) axis: a (n, d) array has d features, a set of
    (n, 28, 28) images has 28·28 of them. A feature that is constant in the training data (σ = 0,
    or σ ≤ 10·eps·|μ| from rounding) gets σ := 1: it is centred to 0 but not divided, so it never
    turns into inf or NaN. Statistics are computed in float64; floating inputs keep their dtype.

        scaler = Standardizer().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    """

    def __init__(self):
        self.mean = self.scale = None

    def fit(self, x):
        a, _ = _unwrap(x, "Standardizer.fit")
        if a.ndim == 0 or len(a) == 0:
            raise ValueError(f"Standardizer.fit: need an array with at least one sample, got shape {a.shape}")
        if a.dtype.kind not in "biuf":
            raise TypeError(f"Standardizer.fit: cannot standardise data of dtype {a.dtype}")
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise ValueError("Standardizer.fit: the data contain NaN or inf; clean them first")
        self.mean = a.mean(axis=0)
        std = a.std(axis=0)
        self.scale = np.where(std > 10 * np.finfo(np.float64).eps * np.abs(self.mean), std, 1.0)
        return self

    def _check(self, x, name):
        if self.mean is None:
            raise RuntimeError(f"Standardizer.{name}: call fit(x_train) first")
        a, was_tensor = _unwrap(x, f"Standardizer.{name}")
        if a.shape[1:] != self.mean.shape:
            raise ValueError(f"Standardizer.{name}: data of shape {a.shape} do not match the fitted features "
                             f"of shape {self.mean.shape} (expected (n, *{self.mean.shape}))")
        dtype = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
        return a, was_tensor, dtype

    def transform(self, x):
        """(x − μ)/σ with the fitted μ, σ."""
        a, was_tensor, dtype = self._check(x, "transform")
        out = ((a - self.mean) / self.scale).astype(dtype)
        return Tensor(out) if was_tensor else out

    def inverse_transform(self, x):
        """x·σ + μ: undo transform (e.g. to turn standardised predictions back into physical units)."""
        a, was_tensor, dtype = self._check(x, "inverse_transform")
        out = (a * self.scale + self.mean).astype(dtype)
        return Tensor(out) if was_tensor else out

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def state_dict(self):
        return {"mean": self.mean.copy(), "scale": self.scale.copy()}

    def load_state_dict(self, state):
        self.mean, self.scale = np.asarray(state["mean"], np.float64), np.asarray(state["scale"], np.float64)
        return self

    def __repr__(self):
        fitted = "not fitted" if self.mean is None else f"features={self.mean.shape}"
        return f"Standardizer({fitted})"


def one_hot(labels, num_classes=None, dtype=None):
    """Integer class labels of any shape -> (..., num_classes) array of 0/1 (default float dtype).

    num_classes defaults to max(label) + 1. Labels must be whole numbers in [0, num_classes).
    """
    a, was_tensor = _unwrap(labels, "one_hot")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError("one_hot: labels must be whole numbers (class indices), got non-integer values")
        a = a.astype(np.int64)
    elif a.dtype.kind not in "biu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {a.dtype}")
    if a.size and a.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {a.min()}")
    if num_classes is None:
        num_classes = int(a.max()) + 1 if a.size else 0
    if a.size and a.max() >= num_classes:
        raise ValueError(f"one_hot: label {a.max()} is out of range for num_classes={num_classes}")
    out = np.zeros(a.shape + (num_classes,), dtype=get_default_dtype() if dtype is None else np.dtype(dtype))
    np.put_along_axis(out, a[..., None].astype(np.intp), 1, axis=-1)
    return Tensor(out) if was_tensor else out
