"""Decision trees with scikit-learn's interface: `DecisionTreeClassifier`, `DecisionTreeRegressor`.

    clf = DecisionTreeClassifier(max_depth=4).fit(X_train, y_train)
    clf.predict(X_test); clf.predict_proba(X_test); clf.score(X_test, y_test)
    clf.tree_.feature, clf.tree_.threshold      # the fitted tree as flat arrays

The growing algorithm (CART, exhaustive best split) lives in `tinynn.classic.cart`.
Without ``max_features`` a fit is deterministic: ties between equally good
splits go to the lowest feature index and then the smallest threshold.
"""

import math

import numpy as np

from .base import (BaseEstimator, ClassifierMixin, RegressorMixin, check_is_fitted,
                   check_n_features, check_scalar, check_X_y)
from .cart import grow_tree, presort


def resolve_max_features(max_features, n_features):
    """Number of features tried per split: None (all), int, fraction, 'sqrt' or 'log2'."""
    if max_features is None:
        return None
    if max_features == "sqrt":
        return max(1, int(math.sqrt(n_features)))
    if max_features == "log2":
        return max(1, int(math.log2(n_features)))
    if isinstance(max_features, (float, np.floating)):
        check_scalar(max_features, "max_features", float, 0.0, 1.0, include_low=False)
        return max(1, int(max_features * n_features))
    if isinstance(max_features, str):
        raise ValueError(f"max_features must be None, an int, a float, 'sqrt' or 'log2', "
                         f"got {max_features!r}")
    return check_scalar(max_features, "max_features", int, 1, n_features)


class BaseDecisionTree(BaseEstimator):
    """Shared fitting and inspection; subclasses turn y into the target matrix Y."""

    _criteria = ()

    def _grow(self, X, Y, order=None):
        """Validate the hyperparameters and grow ``self.tree_`` on X (n, d), Y (n, k)."""
        if self.criterion not in self._criteria:
            raise ValueError(f"criterion must be one of {self._criteria}, got {self.criterion!r}")
        check_scalar(self.max_depth, "max_depth", int, 1, none_ok=True)
        check_scalar(self.min_samples_split, "min_samples_split", int, 2)
        check_scalar(self.min_samples_leaf, "min_samples_leaf", int, 1)
        self.n_features_in_ = X.shape[1]
        self.max_features_ = resolve_max_features(self.max_features, X.shape[1])
        rng = np.random.default_rng(self.random_state)
        self.tree_ = grow_tree(X, Y, presort(X) if order is None else order, self.criterion,
                               self.max_depth, self.min_samples_split, self.min_samples_leaf,
                               self.max_features_, rng)
        return self

    def apply(self, X):
        """Index of the leaf (node id in ``tree_``) that each sample ends in."""
        X = check_n_features(self, X)
        return self.tree_.apply(X)

    def get_depth(self):
        """Depth of the fitted tree: edges on the longest root-to-leaf path."""
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self):
        """Number of leaves of the fitted tree."""
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def n_leaves(self):
        return self.get_n_leaves()

    @property
    def feature_importances_(self):
        """Impurity decrease credited to each feature, normalised to sum 1 (Gini importance)."""
        check_is_fitted(self, "tree_")
        return self.tree_.feature_importances(self.n_features_in_)

    def export_text(self, feature_names=None, decimals=3):
        """The tree as indented rules, one line per branch and leaf::

            |--- x0 <= 0.5
            |   |--- value: [1. 0.]
            |--- x0 >  0.5
            |   |--- value: [0. 1.]
        """
        check_is_fitted(self, "tree_")
        t = self.tree_
        names = feature_names if feature_names is not None else \
            [f"x{i}" for i in range(self.n_features_in_)]
        lines, stack = [], [(0, 0)]                    # items: (node, level) or a ready line
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                lines.append(item)
                continue
            node, level = item
            pad = "|   " * level + "|--- "
            if t.feature[node] < 0:
                lines.append(pad + "value: " + np.array2string(t.value[node], precision=decimals))
                continue
            rule = f"{names[t.feature[node]]} %s {round(float(t.threshold[node]), decimals)}"
            stack += [(t.right[node], level + 1), pad + rule % "> ",
                      (t.left[node], level + 1), pad + rule % "<="]
        return "\n".join(lines)


class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    """CART classification tree (Gini or entropy impurity).

    Parameters follow scikit-learn: ``max_depth`` (None = grow until pure),
    ``min_samples_split`` (fewest samples a node needs to be split),
    ``min_samples_leaf`` (fewest samples in each child), ``max_features``
    (features tried per split; None = all), ``random_state`` (seeds the feature
    order when ``max_features`` is set). Labels may be any sortable values.
    """

    _criteria = ("gini", "entropy")

    def __init__(self, criterion="gini", max_depth=None, min_samples_split=2, min_samples_leaf=1,
                 max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y):
        """Grow the tree on X (n_samples, n_features) and labels y (n_samples,)."""
        X, y = check_X_y(X, y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        Y = np.eye(self.n_classes_)[y_idx]             # one-hot: leaf value = class fractions
        return self._grow(X, Y)

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes): the class fractions of each sample's leaf."""
        leaf = self.apply(X)                           # validates X and fittedness first
        return self.tree_.value[leaf]

    def predict(self, X):
        """Most frequent training class in each sample's leaf (ties: the smaller label)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """CART regression tree: leaves predict the mean target, splits minimise squared error.

    Same parameters as `DecisionTreeClassifier`; y may be (n,) or (n, n_outputs).
    """

    _criteria = ("squared_error",)

    def __init__(self, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y):
        """Grow the tree on X (n_samples, n_features) and targets y (n,) or (n, n_outputs)."""
        X, y = check_X_y(X, y, y_numeric=True, multi_output=True)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        return self._grow(X, y.reshape(len(y), -1))

    def predict(self, X):
        """Mean training target of each sample's leaf: (n,) or (n, n_outputs)."""
        leaf = self.apply(X)
        out = self.tree_.value[leaf]
        return out[:, 0] if self.n_outputs_ == 1 else out
