"""The estimator protocol shared by every model in `tinynn.classic`.

An estimator follows scikit-learn's contract, so `GridSearchCV` can copy and
re-configure it without knowing what it is:

* ``__init__`` only stores its keyword arguments under the same names (no
  validation, no derived state); checks happen in ``fit``.
* `BaseEstimator.get_params` reads those names back from the signature of
  ``__init__``; `set_params` changes them; `clone` builds an unfitted copy.
* Fitted state lives in attributes ending in ``_`` (``classes_``, ``tree_``).

The mixins add ``score``: accuracy for classifiers, R² for regressors.
"""

import copy
import inspect

import numpy as np

from .metrics import accuracy_score, r2_score


class NotFittedError(ValueError, AttributeError):
    """Raised when ``predict`` (or similar) is called before ``fit``."""


class BaseEstimator:
    """Parameter handling (`get_params`, `set_params`, `clone`) and a readable repr."""

    @classmethod
    def _param_names(cls):
        """Names of the keyword arguments of ``__init__``, in signature order."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must list its parameters explicitly "
                                f"(no *args/**kwargs) so get_params can find them")
            names.append(p.name)
        return names

    def get_params(self, deep=True):
        """Constructor parameters as a dict; with ``deep``, nested estimators' as ``outer__inner``."""
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and isinstance(value, BaseEstimator):
                out.update({f"{name}__{k}": v for k, v in value.get_params(deep=True).items()})
        return out

    def set_params(self, **params):
        """Set constructor parameters (``name=value`` or ``outer__inner=value``); returns self."""
        valid = self._param_names()
        nested = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters are {valid}")
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            inner = getattr(self, name)
            if not isinstance(inner, BaseEstimator):
                raise ValueError(f"parameter {name!r} of {type(self).__name__} is not an "
                                 f"estimator, so {name}__... cannot be set")
            inner.set_params(**sub_params)
        return self

    def clone(self):
        """A new, unfitted estimator with the same parameters (see `clone`)."""
        return clone(self)

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for name, value in self.get_params(deep=False).items():
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _same(value, default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a, b):
    """Equality that never raises (arrays compare elementwise) — used by repr only."""
    try:
        return bool(a == b) if type(a) is type(b) else False
    except (TypeError, ValueError):
        return a is b


def clone(estimator):
    """Unfitted copy: the same class built from deep copies of the parameters.

    Nested estimators are cloned recursively; fitted attributes are not copied.
    """
    if not isinstance(estimator, BaseEstimator):
        raise TypeError(f"cannot clone {estimator!r}: it is not a BaseEstimator "
                        "(it needs get_params/set_params)")
    params = {name: clone(v) if isinstance(v, BaseEstimator) else copy.deepcopy(v)
              for name, v in estimator.get_params(deep=False).items()}
    return type(estimator)(**params)


class ClassifierMixin:
    """``score`` = mean accuracy; GridSearchCV uses stratified folds for these."""

    _estimator_type = "classifier"

    def score(self, X, y):
        """Fraction of samples whose predicted label equals ``y``."""
        return accuracy_score(y, self.predict(X))


class RegressorMixin:
    """``score`` = coefficient of determination R² = 1 - SS_res / SS_tot."""

    _estimator_type = "regressor"

    def score(self, X, y):
        """R² of the predictions (averaged over outputs); 1 is perfect, 0 is predicting the mean."""
        return r2_score(y, self.predict(X))


def check_array(X, name="X"):
    """``X`` as a finite float64 array of shape (n_samples, n_features), or a clear error."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric (convertible to float64): {err}") from None
    if arr.ndim != 2:
        hint = " (for a single feature use X.reshape(-1, 1))" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D with shape (n_samples, n_features), "
                         f"got shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"{name} contains NaN or infinity ({int(bad.sum())} entries, "
                         f"first at row {row}, column {col}); impute or drop them first")
    return arr


def check_X_y(X, y, y_numeric=False, multi_output=False):
    """Validate a training pair: X as in `check_array`, y with one entry (or row) per sample."""
    X = check_array(X)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        y = y[:, 0]
    if y.ndim != 1 and not (multi_output and y.ndim == 2):
        want = "1-D or 2-D" if multi_output else "1-D"
        raise ValueError(f"y must be {want}, got shape {y.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if y_numeric or y.dtype.kind in "fc":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(f"y must be numeric: {err}") from None
        if not np.all(np.isfinite(y)):
            raise ValueError(f"y contains NaN or infinity (first at index "
                             f"{np.argwhere(~np.isfinite(y))[0].tolist()})")
    elif y.dtype.kind == "O" and any(v is None for v in y.ravel()):
        raise ValueError("y contains None values")
    return X, y


def check_is_fitted(estimator, attribute):
    """Raise `NotFittedError` unless ``estimator`` has the fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet; "
                             "call fit(X, y) first")


def check_n_features(estimator, X):
    """Validate prediction input: 2-D, finite, with the number of features seen in ``fit``."""
    check_is_fitted(estimator, "n_features_in_")
    X = check_array(X)
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {type(estimator).__name__} was "
                         f"fitted with {estimator.n_features_in_}")
    return X


def check_scalar(value, name, kind, low=None, high=None, include_low=True, none_ok=False):
    """Validate a hyperparameter: ``kind`` is int or float; bounds are inclusive unless told."""
    if value is None and none_ok:
        return None
    ok_types = (int, np.integer) if kind is int else (int, float, np.integer, np.floating)
    if not isinstance(value, ok_types) or isinstance(value, bool):
        raise TypeError(f"{name} must be {'an int' if kind is int else 'a number'}"
                        f"{' or None' if none_ok else ''}, got {value!r}")
    too_low = low is not None and (value < low if include_low else value <= low)
    if too_low or (high is not None and value > high):
        lo = "" if low is None else f"{low} {'<=' if include_low else '<'} "
        hi = "" if high is None else f" <= {high}"
        raise ValueError(f"{name} must satisfy {lo}{name}{hi}, got {value!r}")
    return value
