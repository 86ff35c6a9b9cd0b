"""Gradient-boosted decision trees for classification (Friedman's TreeBoost).

The model is an additive score ``F(x) = F₀ + ν Σ_m h_m(x)``: each stage fits a
small regression tree ``h_m`` to the negative gradient of the log-loss and then
replaces its leaf values by one Newton step, so the loss drops fast and the
learning rate ``ν`` (shrinkage) controls how far each stage moves.

* two classes: ``p = σ(F)``, loss ``log(1 + e^F) - yF``, negative gradient
  ``r = y - p``, leaf value ``γ = Σ r / Σ p(1 - p)`` over the leaf's samples.
* K > 2 classes: one score ``F_k`` per class, ``p = softmax(F)``, ``r_k = y_k - p_k``,
  ``γ = (K-1)/K · Σ r_k / Σ |r_k|(1 - |r_k|)`` — K trees per stage.

With ``subsample < 1`` every stage sees a random fraction of the samples drawn
without replacement (stochastic gradient boosting); ``train_score_`` is then
the loss on that fraction.
"""

import numpy as np

from .base import (BaseEstimator, ClassifierMixin, check_is_fitted, check_n_features,
                   check_scalar, check_X_y)
from .cart import grow_tree, presort
from .tree import resolve_max_features


def _softmax(F):
    """Row-wise softmax of scores F (n, K), shifted by the row maximum for stability."""
    e = np.exp(F - F.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(F):
    """σ(F) = 1 / (1 + e^-F) without overflow for large |F|."""
    return np.exp(-np.logaddexp(0.0, -F))


def log_loss_from_scores(F, y_idx):
    """Mean log-loss of raw scores F: (n, 1) for two classes, (n, K) otherwise."""
    if F.shape[1] == 1:
        f = F[:, 0]
        return float(np.mean(np.logaddexp(0.0, f) - y_idx * f))
    shift = F.max(axis=1)
    lse = shift + np.log(np.exp(F - shift[:, None]).sum(axis=1))
    return float(np.mean(lse - F[np.arange(len(F)), y_idx]))


class GradientBoostingClassifier(ClassifierMixin, BaseEstimator):
    """Gradient boosting with log-loss, shrinkage and depth-limited regression trees.

    Parameters follow scikit-learn: ``n_estimators`` boosting stages,
    ``learning_rate`` ν, tree shape ``max_depth``/``min_samples_split``/
    ``min_samples_leaf``/``max_features``, ``subsample`` fraction per stage,
    ``random_state`` for the subsampling and feature draws.

    Fitted: ``classes_``, ``init_`` (F₀, the log-odds / log-priors),
    ``estimators_`` (n_estimators, n_trees_per_stage) array of `cart.Tree`,
    ``train_score_`` (loss after each stage).
    """

    def __init__(self, n_estimators=100, learning_rate=0.1, max_depth=3, min_samples_split=2,
                 min_samples_leaf=1, subsample=1.0, max_features=None, random_state=None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.subsample = subsample
        self.max_features = max_features
        self.random_state = random_state

    def _check_params(self, n_features):
        check_scalar(self.n_estimators, "n_estimators", int, 1)
        check_scalar(self.learning_rate, "learning_rate", float, 0.0, include_low=False)
        check_scalar(self.max_depth, "max_depth", int, 1, none_ok=True)
        check_scalar(self.min_samples_split, "min_samples_split", int, 2)
        check_scalar(self.min_samples_leaf, "min_samples_leaf", int, 1)
        check_scalar(self.subsample, "subsample", float, 0.0, 1.0, include_low=False)
        return resolve_max_features(self.max_features, n_features)

    def fit(self, X, y):
        """Run ``n_estimators`` boosting stages on X (n_samples, n_features) and labels y."""
        X, y = check_X_y(X, y)
        max_features = self._check_params(X.shape[1])
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(f"y has a single class ({self.classes_[0]!r}); "
                             "a classifier needs at least two")
        self.n_features_in_ = X.shape[1]
        n = len(X)
        prior = np.bincount(y_idx, minlength=K) / n
        if K == 2:
            Y = y_idx[:, None].astype(np.float64)
            self.init_ = np.array([np.log(prior[1] / prior[0])])
        else:
            Y = np.eye(K)[y_idx]
            self.init_ = np.log(prior)
        n_trees = Y.shape[1]
        newton_factor = 1.0 if K == 2 else (K - 1) / K

        rng = np.random.default_rng(self.random_state)
        order = presort(X)
        F = np.tile(self.init_, (n, 1))
        self.estimators_ = np.empty((self.n_estimators, n_trees), dtype=object)
        self.train_score_ = np.empty(self.n_estimators)
        for stage in range(self.n_estimators):
            in_bag = np.ones(n, dtype=bool)
            stage_order = order
            if self.subsample < 1.0:
                in_bag[:] = False
                in_bag[rng.choice(n, max(1, int(self.subsample * n)), replace=False)] = True
                stage_order = order[in_bag[order]].reshape(X.shape[1], -1)
            P = _sigmoid(F) if K == 2 else _softmax(F)
            residual = Y - P                           # negative gradient, all trees of this stage
            for k in range(n_trees):
                r = residual[:, k]
                tree = grow_tree(X, r[:, None], stage_order, "squared_error", self.max_depth,
                                 self.min_samples_split, self.min_samples_leaf, max_features, rng)
                leaf = tree.apply(X)
                self._newton_leaf_values(tree, leaf[in_bag], r[in_bag], newton_factor)
                F[:, k] += self.learning_rate * tree.value[leaf, 0]
                self.estimators_[stage, k] = tree
            self.train_score_[stage] = log_loss_from_scores(F[in_bag], y_idx[in_bag])
        return self

    @staticmethod
    def _newton_leaf_values(tree, leaf, r, factor):
        """Set each leaf to factor · Σr / Σ|r|(1-|r|) over its samples (0 if the sum vanishes)."""
        size = tree.node_count
        num = np.bincount(leaf, weights=r, minlength=size)
        den = np.bincount(leaf, weights=np.abs(r) * (1.0 - np.abs(r)), minlength=size)
        gamma = np.zeros(size)
        ok = np.abs(den) > 1e-150
        gamma[ok] = factor * num[ok] / den[ok]
        is_leaf = tree.feature < 0
        tree.value[is_leaf, 0] = gamma[is_leaf]

    def _raw_to_output(self, F):
        """Scores (n, 1) → (n,) for two classes, (n, K) otherwise (scikit-learn's shapes)."""
        return F[:, 0] if F.shape[1] == 1 else F

    def _scores_to_proba(self, F):
        if F.shape[1] == 1:
            p = _sigmoid(F[:, 0])
            return np.column_stack([1.0 - p, p])
        return _softmax(F)

    def staged_decision_function(self, X):
        """Yield the raw scores after each stage (useful for test-loss curves)."""
        check_is_fitted(self, "estimators_")
        X = check_n_features(self, X)
        F = np.tile(self.init_, (len(X), 1))
        for stage in self.estimators_:
            for k, tree in enumerate(stage):
                F[:, k] += self.learning_rate * tree.predict(X)[:, 0]
            yield self._raw_to_output(F.copy())

    def decision_function(self, X):
        """Raw scores F(x): log-odds of ``classes_[1]`` (n,), or per-class scores (n, K)."""
        for F in self.staged_decision_function(X):
            pass
        return F

    def staged_predict_proba(self, X):
        """Yield ``predict_proba`` after each stage."""
        for F in self.staged_decision_function(X):
            yield self._scores_to_proba(F.reshape(len(F), -1))

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes) in the order of ``classes_``."""
        return self._scores_to_proba(self.decision_function(X).reshape(len(X), -1))

    def predict(self, X):
        """The most probable class of each sample."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    @property
    def feature_importances_(self):
        """Mean over all trees of their normalised impurity-decrease importances."""
        check_is_fitted(self, "estimators_")
        imps = [t.feature_importances(self.n_features_in_) for t in self.estimators_.ravel()]
        total = np.mean(imps, axis=0)
        return total / total.sum() if total.sum() > 0 else total
