"""LogisticRegression, MLPClassifier, MLPRegressor in tinynn.classic, checked against numpy.

The optimum of logistic regression is verified by the gradient of scikit-learn's objective
C·Σ log-loss + ½‖W‖², written out here in numpy; the MLP objective by recomputing the network and
its loss in numpy; linear "MLPs" (no hidden layer) against the closed-form ridge solution.
"""
import warnings

import numpy as np
import pytest

from tinynn.classic import (ConvergenceWarning, GridSearchCV, LogisticRegression, MLPClassifier, MLPRegressor,
                            NotFittedError, clone)
from tinynn.classic.logistic import lbfgs


def two_blobs(n, gap, rng, d=2):
    """Two Gaussian clouds whose centres are `gap` apart along the first axis."""
    y = np.arange(n) % 2
    X = rng.normal(size=(n, d))
    X[:, 0] += gap * (y - 0.5)
    return X, y


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def logistic_gradient(X, y, W, b, C):
    """Gradient of C·Σ_i -log p(y_i|x_i) + ½‖W‖² w.r.t. (W, b); W is (1, d) for two classes."""
    if W.shape[0] == 1:
        r = sigmoid(X @ W[0] + b[0]) - y                    # dL/dz for the logit of class 1
        return C * (r @ X) + W[0], C * r.sum()
    R = softmax(X @ W.T + b) - np.eye(W.shape[0])[y]        # (n, K)
    return C * (R.T @ X) + W, C * R.sum(axis=0)


@pytest.mark.parametrize("gap", [1.0, 8.0], ids=["overlapping", "separable"])
def test_logistic_regression_reaches_the_penalised_optimum(gap):
    rng = np.random.default_rng(0)
    X, y = two_blobs(300, gap, rng)
    if gap > 4:
        assert ((X[:, 0] > 0) == (y == 1)).all()          # the data really are separable
    clf = LogisticRegression(C=2.0, tol=1e-10, max_iter=500).fit(X, y)
    gw, gb = logistic_gradient(X, y, clf.coef_, clf.intercept_, 2.0)
    scale = np.abs(clf.coef_).max() + 1
    assert np.abs(gw).max() < 1e-5 * scale and abs(gb) < 1e-5 * scale
    assert clf.coef_.shape == (1, 2) and clf.intercept_.shape == (1,)
    # a weaker penalty (larger C) lets the separable solution grow: the optimum is not at infinity
    big = LogisticRegression(C=200.0, tol=1e-10, max_iter=1000).fit(X, y)
    if gap > 4:
        assert np.linalg.norm(big.coef_) > 2 * np.linalg.norm(clf.coef_)


def test_logistic_regression_multinomial_and_labels():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 3], [3, -2], [-3, -2]])
    k = np.arange(240) % 3
    X = centres[k] + 1.5 * rng.normal(size=(240, 2))
    labels = np.array(["a", "b", "c"])[k]
    clf = LogisticRegression(C=0.5, tol=1e-10, max_iter=500).fit(X, labels)
    gw, gb = logistic_gradient(X, k, clf.coef_, clf.intercept_, 0.5)
    assert np.abs(gw).max() < 1e-5 and np.abs(gb).max() < 1e-5
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba, softmax(X @ clf.coef_.T + clf.intercept_))
    assert list(clf.classes_) == ["a", "b", "c"]
    assert (clf.predict(X) == clf.classes_[np.argmax(clf.decision_function(X), axis=1)]).all()
    assert clf.score(X, labels) > 0.85


def test_logistic_regression_without_penalty_matches_unpenalised_gradient():
    rng = np.random.default_rng(2)
    X, y = two_blobs(200, 1.0, rng, d=3)
    clf = LogisticRegression(penalty=None, tol=1e-10, max_iter=500, fit_intercept=False).fit(X, y)
    r = sigmoid(X @ clf.coef_[0]) - y
    assert np.abs(r @ X).max() < 1e-6 and clf.intercept_.tolist() == [0.0]
    p = clf.predict_proba(X)[:, 1]
    np.testing.assert_allclose(p, sigmoid(clf.decision_function(X)))


def test_logistic_regression_errors():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="two classes"):
        LogisticRegression().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="C must"):
        LogisticRegression(C=0).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="penalty"):
        LogisticRegression(penalty="l1").fit(X, [0, 1, 0, 1])
    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(X, [0, 1, 0, 1])
    clf = LogisticRegression().fit(np.eye(4)[:, :2], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.zeros((2, 3)))


XOR_X, XOR_Y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), np.array([0, 1, 1, 0])


@pytest.mark.parametrize("solver, lr", [("lbfgs", 1e-3), ("adam", 0.05)])
def test_mlp_classifier_learns_xor(solver, lr):
    clf = MLPClassifier((8,), activation="tanh", solver=solver, learning_rate_init=lr, max_iter=1000,
                        alpha=0.0, random_state=0).fit(XOR_X, XOR_Y)
    assert clf.predict(XOR_X).tolist() == [0, 1, 1, 0]
    p = clf.predict_proba(XOR_X)[:, 1]
    assert (p[[1, 2]] > 0.9).all() and (p[[0, 3]] < 0.1).all()
    assert len(clf.loss_curve_) > 0 and clf.loss_curve_[-1] < clf.loss_curve_[0]


def numpy_mlp(X, coefs, intercepts, act):
    """Forward pass in numpy with scikit-learn's (fan_in, fan_out) weights."""
    f = {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh, "logistic": sigmoid, "identity": lambda a: a}[act]
    h = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        h = h @ W + b
        if i < len(coefs) - 1:
            h = f(h)
    return h


@pytest.mark.parametrize("kind", ["binary", "three classes", "regression"])
def test_loss_curve_is_the_penalised_objective(kind):
    """With one full-batch epoch and a negligible step, loss_curve_[0] is the objective at the final
    weights: the data loss plus α‖W‖²/(2n), computed here in numpy."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3))
    y = {"binary": np.arange(50) % 2, "three classes": np.arange(50) % 3, "regression": X @ [1.0, -1.0, 2.0]}[kind]
    Est = MLPRegressor if kind == "regression" else MLPClassifier
    alpha = 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Est((4, 5), activation="tanh", solver="sgd", learning_rate_init=1e-12, max_iter=1, alpha=alpha,
                  batch_size=50, shuffle=False, random_state=0).fit(X, y)
    z = numpy_mlp(X, est.coefs_, est.intercepts_, "tanh")
    if kind == "regression":
        data = 0.5 * np.mean((z[:, 0] - y) ** 2)
    elif kind == "binary":
        p = sigmoid(z[:, 0])
        data = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    else:
        data = -np.mean(np.log(softmax(z)[np.arange(50), y]))
    penalty = alpha / (2 * 50) * sum((W ** 2).sum() for W in est.coefs_)
    assert est.loss_curve_[0] == pytest.approx(data + penalty, rel=1e-9)
    assert [W.shape for W in est.coefs_] == [(3, 4), (4, 5), (5, 1 if kind != "three classes" else 3)]
    pred = est.predict(X)
    if kind == "regression":
        np.testing.assert_allclose(pred, z[:, 0])
    else:
        np.testing.assert_allclose(est.predict_proba(X), softmax(z) if z.shape[1] > 1
                                   else np.c_[1 - sigmoid(z[:, 0]), sigmoid(z[:, 0])])


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_linear_mlp_regressor_is_ridge_regression(solver):
    """No hidden layer: ½ mean (y - Xw - b)² + α‖w‖²/(2n) is minimised by (XcᵀXc + αI) w = Xcᵀ yc."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(120, 3))
    y = X @ [1.5, -2.0, 0.5] + 3.0 + 0.1 * rng.normal(size=120)
    alpha = 5.0
    Xc, yc = X - X.mean(0), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(3), Xc.T @ yc)
    b = y.mean() - X.mean(0) @ w
    reg = MLPRegressor((), solver=solver, alpha=alpha, batch_size=120, learning_rate_init=0.05, max_iter=3000,
                       tol=1e-12 if solver == "lbfgs" else 1e-10, n_iter_no_change=50, random_state=0).fit(X, y)
    atol = 2e-5 if solver == "lbfgs" else 1e-3
    np.testing.assert_allclose(reg.coefs_[0][:, 0], w, atol=atol)
    np.testing.assert_allclose(reg.intercepts_[0], [b], atol=atol)


def test_stopping_rule_early_stopping_and_reproducibility():
    rng = np.random.default_rng(5)
    X, y = two_blobs(200, 2.0, rng)
    # tol so large that only the first epoch counts as an improvement (on best_loss_ = inf); the
    # next n_iter_no_change + 1 epochs without one stop the training, as in scikit-learn
    clf = MLPClassifier((5,), tol=1e9, n_iter_no_change=3, random_state=0).fit(X, y)
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 5
    es = MLPClassifier((5,), early_stopping=True, validation_fraction=0.2, max_iter=60, random_state=0,
                       learning_rate_init=0.01).fit(X, y)
    assert len(es.validation_scores_) == es.n_iter_ and es.best_loss_ is None
    assert es.best_validation_score_ == max(es.validation_scores_)
    again = MLPClassifier((5,), early_stopping=True, validation_fraction=0.2, max_iter=60, random_state=0,
                          learning_rate_init=0.01).fit(X, y)
    assert again.loss_curve_ == es.loss_curve_
    np.testing.assert_array_equal(again.predict_proba(X), es.predict_proba(X))
    with pytest.warns(ConvergenceWarning):
        MLPRegressor((3,), max_iter=2, random_state=0).fit(X, X[:, 0])


def test_mlp_parameters_and_errors():
    clf = MLPClassifier(hidden_layer_sizes=(7, 3), activation="logistic", alpha=0.1)
    assert clone(clf).get_params() == clf.get_params()
    assert clf.set_params(alpha=0.5).alpha == 0.5
    X, y = XOR_X, XOR_Y
    for bad, match in [(dict(activation="softsign"), "activation"), (dict(solver="rmsprop"), "solver"),
                       (dict(hidden_layer_sizes=(0,)), "hidden layer"), (dict(learning_rate_init=0), "learning_rate")]:
        with pytest.raises(ValueError, match=match):
            MLPClassifier(**bad).fit(X, y)
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(X)
    reg = MLPRegressor((3,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, np.c_[y, 1 - y])
    assert reg.predict(X).shape == (4, 2)


def test_grid_search_over_mlps_in_two_processes():
    rng = np.random.default_rng(6)
    X, y = two_blobs(90, 2.5, rng)
    grid = {"hidden_layer_sizes": [(2,), (6,)], "activation": ["tanh", "relu"]}
    est = MLPClassifier(solver="lbfgs", max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        serial = GridSearchCV(est, grid, cv=3).fit(X, y)
        parallel = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"])
    assert serial.best_params_ == parallel.best_params_ and serial.best_score_ > 0.8
    lr = GridSearchCV(LogisticRegression(), {"C": [1e-3, 1.0]}, cv=3, scoring="neg_log_loss").fit(X, y)
    assert lr.best_params_ == {"C": 1.0} and lr.predict(X).shape == (90,)


def test_lbfgs_finds_the_rosenbrock_minimum():
    """f = (1 - a)² + 100 (b - a²)², minimum 0 at (1, 1), from the classic start (-1.2, 1)."""
    def fun(x):
        a, b = x
        f = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        return f, np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
    curve = []
    x, f, n_iter, converged = lbfgs(fun, [-1.2, 1.0], max_iter=500, tol=1e-10, ftol=0.0, callback=curve.append)
    assert converged and f < 1e-18
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-9)
    assert np.all(np.diff(curve) <= 0) and len(curve) == n_iter < 100
