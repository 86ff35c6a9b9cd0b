"""Splitting (KFold, train_test_split) and grid search."""
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from tinynn.classic import (BaseEstimator, DecisionTreeClassifier, DecisionTreeRegressor,
                           GradientBoostingClassifier, GridSearchCV, NotFittedError,
                           ParameterGrid, RegressorMixin, StratifiedKFold, clone,
                           cross_val_score)
from tinynn.classic.model_selection import check_cv
from tinynn.data import KFold, train_test_split

REPO = Path(__file__).resolve().parents[2]


class ShrunkMean(RegressorMixin, BaseEstimator):
    """Predicts ``shrink`` times the training mean: for y = 5 + noise the best shrink is 1.

    Defined at module level so worker processes (n_jobs > 1) can import it.
    """

    def __init__(self, shrink=1.0):
        self.shrink = shrink

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.shrink * self.mean_)


@pytest.mark.parametrize("n, k", [(10, 5), (11, 3), (7, 7), (100, 4)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_partitions_indices_exactly(n, k, shuffle):
    kf = KFold(k, shuffle=shuffle, random_state=1 if shuffle else None)
    folds = list(kf.split(np.zeros((n, 2))))
    assert len(folds) == kf.get_n_splits() == k
    tests = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tests), np.arange(n))          # every index tested exactly once
    sizes = sorted(len(te) for _, te in folds)
    assert sizes[-1] - sizes[0] <= 1 and sum(sizes) == n
    for train, test in folds:
        assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(n))
        assert np.all(np.diff(train) > 0)


def test_kfold_unshuffled_matches_hand_split():
    folds = [te.tolist() for _, te in KFold(3).split(range(8))]
    assert folds == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_kfold_shuffle_is_seeded():
    a = [te.tolist() for _, te in KFold(4, shuffle=True, random_state=3).split(range(20))]
    b = [te.tolist() for _, te in KFold(4, shuffle=True, random_state=3).split(range(20))]
    c = [te.tolist() for _, te in KFold(4, shuffle=True, random_state=4).split(range(20))]
    assert a == b and a != c


def test_kfold_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        KFold(1)
    with pytest.raises(ValueError, match="shuffle=False"):
        KFold(3, random_state=0)
    with pytest.raises(ValueError, match="3 samples into 5 folds"):
        list(KFold(5).split(np.zeros(3)))


def test_train_test_split_sizes_and_alignment():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.33, random_state=0)
    assert len(X_te) == 7 and len(X_tr) == 13                    # ceil(0.33 * 20) = 7
    assert np.array_equal(X_tr[:, 0] // 2, y_tr) and np.array_equal(X_te[:, 0] // 2, y_te)
    assert np.array_equal(np.sort(np.concatenate([y_tr, y_te])), y)
    a_tr, a_te = train_test_split(y, test_size=5, shuffle=False)
    assert np.array_equal(a_tr, np.arange(15)) and np.array_equal(a_te, np.arange(15, 20))


def test_train_test_split_stratify_keeps_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    _, y_te = train_test_split(y, test_size=0.2, random_state=0, stratify=y)
    assert np.bincount(y_te).tolist() == [12, 6, 2]


def test_train_test_split_bad_input():
    with pytest.raises(ValueError, match="array 1 has 3 samples"):
        train_test_split(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.zeros(4), test_size=1.5)


# --- StratifiedKFold -------------------------------------------------------------

@pytest.mark.parametrize("shuffle", [False, True])
def test_stratified_kfold_keeps_class_shares(shuffle):
    y = np.repeat([0, 1, 2], [50, 30, 20])
    skf = StratifiedKFold(5, shuffle=shuffle, random_state=0 if shuffle else None)
    folds = list(skf.split(np.zeros(100), y))
    assert np.array_equal(np.sort(np.concatenate([te for _, te in folds])), np.arange(100))
    for train, test in folds:
        assert np.bincount(y[test]).tolist() == [10, 6, 4]
        assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 100


def test_stratified_kfold_uneven_classes():
    y = np.array([0] * 7 + [1] * 5)
    folds = list(StratifiedKFold(3).split(np.zeros(12), y))
    sizes = [len(te) for _, te in folds]
    assert sum(sizes) == 12 and max(sizes) - min(sizes) <= 1
    per_class = np.array([np.bincount(y[te], minlength=2) for _, te in folds])
    assert np.all(per_class.max(0) - per_class.min(0) <= 1)


def test_check_cv_stratifies_only_classifiers():
    y = np.arange(10) % 2
    assert isinstance(check_cv(5, y, classifier=True), StratifiedKFold)
    assert type(check_cv(5, y.astype(float) + 0.5, classifier=False)) is KFold
    pairs = [(np.arange(5), np.arange(5, 10))]
    assert list(check_cv(pairs).split(None)) == pairs


# --- estimator parameters ----------------------------------------------------------

def test_get_set_params_and_clone():
    tree = DecisionTreeClassifier(max_depth=3)
    assert tree.get_params() == {"criterion": "gini", "max_depth": 3, "min_samples_split": 2,
                                 "min_samples_leaf": 1, "max_features": None, "random_state": None}
    assert tree.set_params(max_depth=5, criterion="entropy") is tree and tree.max_depth == 5
    with pytest.raises(ValueError, match="invalid parameter 'depth'"):
        tree.set_params(depth=2)
    fitted = tree.fit(np.arange(10.0)[:, None], np.arange(10) % 2)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() and not hasattr(copy, "tree_")
    assert repr(copy) == "DecisionTreeClassifier(criterion='entropy', max_depth=5)"
    search = GridSearchCV(tree, {"max_depth": [1, 2]})
    search.set_params(estimator__min_samples_leaf=4, cv=3)
    assert search.get_params()["estimator__min_samples_leaf"] == 4 and tree.min_samples_leaf == 4
    grid = {"max_depth": [1, 2]}
    cloned = clone(GridSearchCV(tree, grid))
    assert cloned.param_grid == grid and cloned.param_grid is not grid      # deep-copied
    assert cloned.estimator is not tree
    with pytest.raises(TypeError, match="not a BaseEstimator"):
        clone(object())


def test_parameter_grid():
    grid = ParameterGrid([{"b": [1, 2], "a": ["x", "y", "z"]}, {"c": [None]}])
    assert len(grid) == 7 == len(list(grid))
    assert list(grid)[:2] == [{"a": "x", "b": 1}, {"a": "x", "b": 2}]
    assert list(grid)[-1] == {"c": None}
    with pytest.raises(TypeError, match="list of values"):
        ParameterGrid({"a": "gini"})
    with pytest.raises(ValueError, match="empty"):
        ParameterGrid({"a": []})


# --- grid search ---------------------------------------------------------------------

def and_problem(seed):
    """y = [x0 > 0.3 and x1 > 0.4] with 15% of labels flipped: depth 2 is the right tree."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (400, 2))
    y = ((X[:, 0] > 0.3) & (X[:, 1] > 0.4)).astype(int)
    flip = rng.uniform(size=400) < 0.15
    return X, np.where(flip, 1 - y, y)


@pytest.mark.parametrize("seed", range(3))
def test_grid_search_picks_the_right_depth(seed):
    X, y = and_problem(seed)
    search = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2, 3, 4, 6, None]}, cv=5)
    search.fit(X, y)
    assert search.best_params_ == {"max_depth": 2}
    res = search.cv_results_
    assert res["rank_test_score"][1] == 1 and sorted(res["rank_test_score"])[0] == 1
    assert search.best_score_ == pytest.approx(res["mean_test_score"][1])
    assert res["param_max_depth"] == [1, 2, 3, 4, 6, None]
    assert search.best_estimator_.get_depth() == 2
    assert search.score(X, y) == search.best_estimator_.score(X, y)


def test_grid_search_scores_equal_a_manual_cross_validation():
    X, y = and_problem(7)
    cv = KFold(4, shuffle=True, random_state=3)
    search = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 3], "criterion":
                                                     ["gini", "entropy"]}, cv=cv,
                          return_train_score=True).fit(X, y)
    for i, params in enumerate(search.cv_results_["params"]):
        manual = []
        for train, test in cv.split(X):
            tree = DecisionTreeClassifier(**params).fit(X[train], y[train])
            manual.append(np.mean(tree.predict(X[test]) == y[test]))
        assert [search.cv_results_[f"split{k}_test_score"][i] for k in range(4)] == manual
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(np.mean(manual))
        assert search.cv_results_["std_test_score"][i] == pytest.approx(np.std(manual))
        manual_train = [np.mean(DecisionTreeClassifier(**params).fit(X[tr], y[tr]).predict(X[tr])
                                == y[tr]) for tr, _ in cv.split(X)]
        assert search.cv_results_["mean_train_score"][i] == pytest.approx(np.mean(manual_train))
    assert np.allclose(cross_val_score(DecisionTreeClassifier(max_depth=3), X, y, cv=cv),
                       [search.cv_results_[f"split{k}_test_score"][1] for k in range(4)])


def test_grid_search_parallel_equals_serial():
    X, y = and_problem(1)
    grid = {"max_depth": [1, 2, 3], "learning_rate": [0.1, 0.5]}
    results = []
    for n_jobs in (1, 2):
        search = GridSearchCV(GradientBoostingClassifier(n_estimators=15), grid, cv=3,
                              scoring="neg_log_loss", n_jobs=n_jobs).fit(X, y)
        results.append(search)
    a, b = results
    assert a.best_params_ == b.best_params_
    for key in ["mean_test_score", "std_test_score", "rank_test_score", "split0_test_score"]:
        assert np.array_equal(a.cv_results_[key], b.cv_results_[key])
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_parallel_search_with_an_estimator_defined_in_this_module():
    y = 5.0 + np.random.default_rng(0).normal(size=60)
    X = np.zeros((60, 1))
    grid = {"shrink": [0.0, 0.5, 1.0, 1.5]}
    serial = GridSearchCV(ShrunkMean(), grid, cv=3, scoring="neg_mean_squared_error").fit(X, y)
    parallel = GridSearchCV(ShrunkMean(), grid, cv=3, scoring="neg_mean_squared_error",
                            n_jobs=2).fit(X, y)
    assert serial.best_params_ == parallel.best_params_ == {"shrink": 1.0}
    assert np.array_equal(serial.cv_results_["mean_test_score"],
                          parallel.cv_results_["mean_test_score"])
    # KFold(3) on 60 samples: the score of shrink=1 is minus the mean squared deviation
    # of each test fold from its training-fold mean.
    manual = [-np.mean((y[te] - y[tr].mean()) ** 2) for tr, te in KFold(3).split(X)]
    assert serial.best_score_ == pytest.approx(np.mean(manual))


class WarningMean(ShrunkMean):
    """ShrunkMean that warns when it fits with shrink 0 (a worker's warning must reach the parent)."""

    def fit(self, X, y):
        if self.shrink == 0:
            warnings.warn("shrink=0 ignores the data", UserWarning)
        return super().fit(X, y)


def test_warnings_in_workers_reach_the_parent_under_its_filters():
    X, y = np.zeros((30, 1)), np.arange(30.0)
    search = GridSearchCV(WarningMean(), {"shrink": [0.0, 1.0]}, cv=3, n_jobs=2,
                          scoring="neg_mean_squared_error", refit=False)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")                              # Python's default: once per place
        search.fit(X, y)
    assert [str(w.message) for w in record] == ["shrink=0 ignores the data"]   # 3 folds warn, shown once
    assert record[0].category is UserWarning and record[0].filename == __file__


def test_grid_search_errors():
    X, y = and_problem(0)
    with pytest.raises(ValueError, match="invalid parameter 'depth'"):
        GridSearchCV(DecisionTreeClassifier(), {"depth": [1, 2]}).fit(X, y)
    with pytest.raises(ValueError, match="unknown scoring"):
        GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1]}, scoring="auc").fit(X, y)
    with pytest.raises(ValueError, match="n_jobs"):
        GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2]}, n_jobs=0).fit(X, y)
    search = GridSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 2]}, refit=False).fit(X, y)
    assert search.best_params_ in ({"max_depth": 1}, {"max_depth": 2})
    with pytest.raises(NotFittedError):
        search.predict(X)
    with pytest.raises(ValueError, match="min_samples_leaf"):
        GridSearchCV(DecisionTreeClassifier(), {"min_samples_leaf": [0]}, cv=3).fit(X, y)
    with pytest.raises(TypeError, match="progress must be None"):
        GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1]}, progress="yes").fit(X, y)


def test_parallel_search_takes_a_lambda_and_names_what_cannot_be_pickled():
    X, y = and_problem(0)
    grid = {"max_depth": [1, 2]}
    accuracy = lambda est, X, y: float(np.mean(est.predict(X) == y))  # noqa: E731 (cloudpickle sends it)
    serial, parallel = (GridSearchCV(DecisionTreeClassifier(), grid, cv=3, scoring=accuracy, n_jobs=n)
                        .fit(X, y) for n in (1, 2))
    assert np.array_equal(serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"])
    lock = threading.Lock()
    with pytest.raises(TypeError, match="picklable.*lock"):
        GridSearchCV(DecisionTreeClassifier(), grid, n_jobs=2,
                     scoring=lambda est, X, y: lock.locked() or est.score(X, y)).fit(X, y)


SCRIPT = """import warnings
import numpy as np
from tinynn.classic import BaseEstimator, DecisionTreeClassifier, GridSearchCV, RegressorMixin

class Shrunk(RegressorMixin, BaseEstimator):
    def __init__(self, shrink=1.0):
        self.shrink = shrink

    def fit(self, X, y):
        if self.shrink == 0:
            warnings.warn("shrink=0 ignores the data")
        self.mean_ = y.mean()
        return self

    def predict(self, X):
        return np.full(len(X), self.shrink * self.mean_)

rng = np.random.default_rng(0)
X = rng.uniform(size=(80, 2)); y = (X[:, 0] > 0.4).astype(int)
for n_jobs in (1, 2):
    a = GridSearchCV(DecisionTreeClassifier(), {'max_depth': [1, 2, 3]}, cv=4, n_jobs=n_jobs).fit(X, y)
    b = GridSearchCV(Shrunk(), {'shrink': [0.0, 0.5, 1.0]}, cv=4, n_jobs=n_jobs).fit(X, y * 3.0)
    print(n_jobs, a.cv_results_['mean_test_score'].tolist(), b.cv_results_['mean_test_score'].tolist())
"""


@pytest.mark.parametrize("how", ["script", "-c"])
def test_n_jobs_works_without_a_main_guard_and_warnings_reach_the_parent(tmp_path, how):
    """A flat script (and a notebook-like `python -c`) with classes defined in __main__: no guard needed,
    the same scores as n_jobs=1, and each run's warning printed once by the parent."""
    script = tmp_path / "flat.py"
    script.write_text(SCRIPT)
    cmd = [sys.executable, str(script)] if how == "script" else [sys.executable, "-c", SCRIPT]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    serial, parallel = out.stdout.splitlines()
    assert serial.startswith("1 [") and parallel.startswith("2 [") and serial[1:] == parallel[1:]
    assert out.stderr.count("UserWarning: shrink=0 ignores the data") == 2, out.stderr   # n_jobs 1 and 2


def test_progress_bar_over_the_fits(capsys):
    X, y = and_problem(0)
    GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2]}, cv=3).fit(X, y)
    assert capsys.readouterr().err == ""                         # default: not a terminal -> silent
    GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2]}, cv=3, progress=True).fit(X, y)
    err = capsys.readouterr().err
    assert "grid search" in err and "6/6" in err
