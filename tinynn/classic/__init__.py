"""Classic machine-learning baselines with scikit-learn's interface, in numpy.

The exercise sheets compare neural networks against these. Every estimator has
``fit``/``predict``/``score`` and ``get_params``/``set_params``, so
`GridSearchCV` can tune any of them — including the neural-network wrappers
built on the same `BaseEstimator`.
"""

from .base import BaseEstimator, ClassifierMixin, NotFittedError, RegressorMixin, clone
from .boosting import GradientBoostingClassifier
from .logistic import ConvergenceWarning, LogisticRegression
from .metrics import accuracy_score, log_loss, mean_absolute_error, mean_squared_error, r2_score
from .model_selection import (GridSearchCV, ParameterGrid, StratifiedKFold, cross_val_score)
from .neural import MLPClassifier, MLPRegressor
from .tree import DecisionTreeClassifier, DecisionTreeRegressor

__all__ = [
    "BaseEstimator", "ClassifierMixin", "RegressorMixin", "NotFittedError", "clone",
    "DecisionTreeClassifier", "DecisionTreeRegressor", "GradientBoostingClassifier",
    "LogisticRegression", "MLPClassifier", "MLPRegressor", "ConvergenceWarning",
    "GridSearchCV", "ParameterGrid", "StratifiedKFold", "cross_val_score",
    "accuracy_score", "log_loss", "mean_absolute_error", "mean_squared_error", "r2_score",
]
