"""Logistic regression with scikit-learn's interface, built on tinynn: an nn.Linear layer, tinynn's
log-loss and its autodiff gradient, minimised by L-BFGS (as scikit-learn does by default).

    clf = LogisticRegression(C=1.0).fit(X, y)
    clf.coef_, clf.intercept_, clf.predict_proba(X), clf.decision_function(X)

`lbfgs` (a plain numpy minimiser), `minimize_lbfgs` (any module, any scalar objective) and the
class-label helpers here are shared with the MLP estimators in `neural.py`.
"""
import warnings
from collections import deque

import numpy as np

from .. import losses, nn
from ..tensor import Tensor
from .base import BaseEstimator, ClassifierMixin, check_n_features, check_scalar, check_X_y


class ConvergenceWarning(UserWarning):
    """The optimiser stopped at max_iter before meeting its tolerance."""


def lbfgs(fun, x0, max_iter, tol, ftol=2.2e-9, max_fun=15000, memory=10, callback=None):
    """Minimise ``fun(x) -> (f, ∇f)`` by L-BFGS with a backtracking (Armijo) line search.

    The direction d = -H∇f uses the last ``memory`` steps s = Δx and gradient changes y = Δ∇f in
    the two-loop recursion (Nocedal & Wright, Algorithm 7.4), starting from H₀ = (s·y / y·y)·1;
    a pair is kept only if s·y > 0, which keeps H positive definite. The step t (1, halved until
    f(x + t d) ≤ f(x) + 10⁻⁴ t ∇f·d) makes every iteration lower f. Stops when max|∇f| ≤ tol, when
    an iteration lowers f by at most ftol·max(|f|, 1) (scipy's default ftol), or after ``max_iter``
    iterations / ``max_fun`` evaluations. ``callback(f)`` runs after each iteration.
    Returns (x, f, iterations, converged).
    """
    x = np.array(x0, dtype=np.float64)
    f, g = fun(x)
    n_fun, steps, grads = 1, deque(maxlen=memory), deque(maxlen=memory)
    for it in range(1, max_iter + 1):
        if np.abs(g).max() <= tol:
            return x, f, it - 1, True
        q, alphas = g.copy(), []
        for s, y in zip(reversed(steps), reversed(grads)):
            alphas.append((s @ q) / (y @ s))
            q -= alphas[-1] * y
        q *= (steps[-1] @ grads[-1]) / (grads[-1] @ grads[-1]) if steps else 1 / max(1.0, np.abs(g).sum())
        for s, y, a in zip(steps, grads, reversed(alphas)):
            q += s * (a - (y @ q) / (y @ s))
        d, t = -q, 1.0
        slope = g @ d
        while True:
            f_new, g_new = fun(x + t * d)
            n_fun += 1
            if f_new <= f + 1e-4 * t * slope or n_fun >= max_fun:
                break
            t *= 0.5
            if t < 1e-20:                      # no decrease along d: f is flat to rounding here
                return x, f, it, False
        if not f_new <= f:                     # evaluations used up without a decrease
            return x, f, it, False
        s, y = t * d, g_new - g
        if s @ y > 1e-10 * (y @ y):
            steps.append(s)
            grads.append(y)
        stalled = f - f_new <= ftol * max(abs(f), abs(f_new), 1.0)
        x, f, g = x + s, f_new, g_new
        if callback is not None:
            callback(f)
        if stalled or n_fun >= max_fun:
            return x, f, it, stalled
    return x, f, max_iter, bool(np.abs(g).max() <= tol)


def minimize_lbfgs(module, objective, max_iter, tol, max_fun=15000, ftol=2.2e-9):
    """Minimise ``objective()`` (a scalar Tensor built from ``module``'s parameters) with `lbfgs`.

    The parameters are flattened into one float64 vector θ; each evaluation writes θ back into them
    and returns the loss and the autodiff gradient. The module ends at the best θ found. Returns
    (iterations, converged, the loss after each iteration).
    """
    params = list(module.parameters())
    bounds = np.cumsum([0] + [p.size for p in params])

    def fun(theta):
        for p, a, b in zip(params, bounds[:-1], bounds[1:]):
            p.data[...] = theta[a:b].reshape(p.shape)
        module.zero_grad()
        loss = objective()
        loss.backward()
        grad = np.concatenate([(np.zeros(p.size) if p.grad is None else p.grad.ravel()) for p in params])
        return loss.item(), grad

    curve = []
    theta, _, n_iter, converged = lbfgs(fun, np.concatenate([p.data.ravel() for p in params]), max_iter, tol,
                                        ftol, max_fun, callback=curve.append)
    fun(theta)
    return n_iter, converged, curve


def check_classes(y):
    """Sorted class labels and each sample's index into them; at least two classes."""
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D class labels, got shape {y.shape}")
    classes, idx = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"need samples of at least two classes, got only {classes.tolist()}")
    return classes, idx


def class_targets(idx, n_classes):
    """Targets for the loss: a float column of 0/1 for two classes, class indices otherwise."""
    return idx.astype(np.float64)[:, None] if n_classes == 2 else idx.astype(np.int64)


def log_loss_of_logits(z, target):
    """Mean log-loss of logits z: one sigmoid column (binary) or softmax over the columns."""
    if z.shape[1] == 1:
        return losses.binary_cross_entropy_with_logits(z, target)
    return losses.cross_entropy(z, target)


def probabilities(z):
    """Class probabilities (n, K) from logits (n, 1) (sigmoid) or (n, K) (softmax), in numpy."""
    if z.shape[1] == 1:
        p = 0.5 * (1 + np.tanh(0.5 * z))           # σ(z) without overflow
        return np.hstack([1 - p, p])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Linear classifier p(y=k|x) = softmax(W x + b)_k (sigmoid for two classes), fitted by L-BFGS.

    Minimises mean log-loss + ‖W‖²/(2 C n): C is the inverse L2 strength, as in scikit-learn (the
    same minimiser as its C·Σ loss + ½‖W‖²); ``penalty=None`` drops the term. On linearly separable
    data that needs the penalty: without it the weights grow without bound.
    Fitted: ``coef_`` (1, d) or (K, d), ``intercept_`` (1,) or (K,), ``classes_``, ``n_iter_``.
    """

    def __init__(self, penalty="l2", C=1.0, fit_intercept=True, tol=1e-4, max_iter=100):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        if self.penalty not in ("l2", None, "none"):
            raise ValueError(f"penalty must be 'l2' or None, got {self.penalty!r}")
        check_scalar(self.C, "C", float, 0.0, include_low=False)
        check_scalar(self.tol, "tol", float, 0.0)
        check_scalar(self.max_iter, "max_iter", int, 1)
        self.classes_, idx = check_classes(y)
        n, self.n_features_in_ = X.shape
        k = 1 if len(self.classes_) == 2 else len(self.classes_)
        layer = nn.Linear(X.shape[1], k, bias=bool(self.fit_intercept), dtype=np.float64)
        for p in layer.parameters():
            p.data[...] = 0.0                            # start at the origin, as scikit-learn
        strength = 0.0 if self.penalty in (None, "none") else 1.0 / (self.C * n)
        x, target = Tensor(X), Tensor(class_targets(idx, len(self.classes_)))

        def objective():
            loss = log_loss_of_logits(layer(x), target)
            return loss + (0.5 * strength) * (layer.weight * layer.weight).sum() if strength else loss

        n_iter, converged, _ = minimize_lbfgs(layer, objective, self.max_iter, self.tol, ftol=0.0)  # convex: to tol
        if not converged and n_iter >= self.max_iter:
            warnings.warn(f"LogisticRegression: L-BFGS did not converge in max_iter={self.max_iter} "
                          "iterations; raise max_iter or standardise the features", ConvergenceWarning)
        self.coef_ = layer.weight.data.copy()
        self.intercept_ = layer.bias.data.copy() if self.fit_intercept else np.zeros(k)
        self.n_iter_ = np.array([n_iter])
        return self

    def decision_function(self, X):
        """W x + b: shape (n,) for two classes (the logit of classes_[1]), else (n, K)."""
        X = check_n_features(self, X)
        z = X @ self.coef_.T + self.intercept_
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X):
        """(n, K) class probabilities, columns in the order of ``classes_``."""
        z = self.decision_function(X)
        return probabilities(z[:, None] if z.ndim == 1 else z)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
