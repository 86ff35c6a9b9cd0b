"""Hyperparameter search by cross-validation: `GridSearchCV`, `cross_val_score`.

    search = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2, 4, 8]}, cv=5, n_jobs=2)
    search.fit(X, y)
    search.best_params_, search.best_score_, search.cv_results_["mean_test_score"]

Every candidate is scored on the same folds. For classifiers an integer ``cv``
means `StratifiedKFold` (each fold keeps the class proportions), otherwise
`tinynn.data.KFold`; both unshuffled, as in scikit-learn. With ``n_jobs > 1`` the
(candidate, fold) fits run in separate processes; the estimator class and any
scoring function must then be importable (defined at module level), and a
script should run its work under ``if __name__ == "__main__":``.
"""

import itertools
import multiprocessing
import os
import pickle
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..data import KFold
from .base import BaseEstimator, check_is_fitted, clone
from .metrics import get_scorer


class StratifiedKFold(KFold):
    """K-fold split that keeps every class's share (almost) equal in every fold.

    The sorted labels are dealt round-robin to the folds, which fixes how many
    samples of each class a fold receives (fold sizes differ by at most one);
    each class's samples, in order or shuffled, then fill the folds in turn.
    """

    def split(self, X, y, groups=None):
        """Yield ``(train_idx, test_idx)``; ``y`` holds the class labels."""
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"StratifiedKFold: y must be 1-D with one label per sample "
                             f"({len(X)}), got shape {y.shape}")
        n = len(y)
        if n < self.n_splits:
            raise ValueError(f"StratifiedKFold: cannot split {n} samples into {self.n_splits} folds")
        classes, y_idx, counts = np.unique(y, return_inverse=True, return_counts=True)
        if counts.min() < self.n_splits:
            warnings.warn(f"StratifiedKFold: the smallest class has {counts.min()} members, "
                          f"fewer than n_splits={self.n_splits}", UserWarning, stacklevel=2)
        dealt = np.sort(y_idx)
        per_fold = np.array([np.bincount(dealt[i::self.n_splits], minlength=len(classes))
                             for i in range(self.n_splits)])           # (n_splits, n_classes)
        rng = np.random.default_rng(self.random_state)
        fold_of = np.empty(n, dtype=np.intp)
        for c in range(len(classes)):
            members = np.flatnonzero(y_idx == c)
            if self.shuffle:
                members = rng.permutation(members)
            fold_of[members] = np.repeat(np.arange(self.n_splits), per_fold[:, c])
        for i in range(self.n_splits):
            yield np.flatnonzero(fold_of != i), np.flatnonzero(fold_of == i)


def check_cv(cv, y=None, classifier=False):
    """Turn ``cv`` (int, splitter with ``split``, or iterable of pairs) into a splitter."""
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        y_arr = None if y is None else np.asarray(y)
        labels = y_arr is not None and y_arr.ndim == 1 and y_arr.dtype.kind in "biuOUS"
        return StratifiedKFold(int(cv)) if classifier and labels else KFold(int(cv))
    if hasattr(cv, "split"):
        return cv
    try:
        pairs = [(np.asarray(tr), np.asarray(te)) for tr, te in cv]
    except (TypeError, ValueError):
        raise TypeError(f"cv must be an int, a splitter with .split(X, y), or an iterable of "
                        f"(train_idx, test_idx) pairs, got {cv!r}") from None
    return _FixedSplits(pairs)


class _FixedSplits:
    """A splitter that replays a given list of (train, test) index pairs."""

    def __init__(self, pairs):
        self.pairs = pairs

    def split(self, X, y=None, groups=None):
        return iter(self.pairs)

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.pairs)


class ParameterGrid:
    """All combinations of a ``{name: [values]}`` grid, or of each grid in a list of them.

    Names are iterated in sorted order, so the candidate order is reproducible.
    """

    def __init__(self, param_grid):
        grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
        for grid in grids:
            if not isinstance(grid, dict):
                raise TypeError(f"param_grid must be a dict or a list of dicts, got {grid!r}")
            for name, values in grid.items():
                if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
                    raise TypeError(f"param_grid[{name!r}] must be a list of values to try, "
                                    f"got {values!r}; wrap a single value as [{values!r}]")
                if len(values) == 0:
                    raise ValueError(f"param_grid[{name!r}] is empty")
        self.grids = grids

    def __iter__(self):
        for grid in self.grids:
            names = sorted(grid)
            for values in itertools.product(*(grid[k] for k in names)):
                yield dict(zip(names, values))

    def __len__(self):
        return sum(int(np.prod([len(v) for v in g.values()])) for g in self.grids)


# --- fitting candidates, serially or in worker processes --------------------------

def _fit_and_score(estimator, params, X, y, train, test, scorer, return_train):
    """Clone, configure, fit on ``train``, score on ``test``; returns scores and times."""
    est = clone(estimator).set_params(**params)
    start = time.perf_counter()
    try:
        est.fit(X[train], y[train])
    except Exception as err:
        if hasattr(err, "add_note"):
            err.add_note(f"while fitting {type(est).__name__} with parameters {params}")
        raise
    fit_time = time.perf_counter() - start
    test_score = float(scorer(est, X[test], y[test]))
    score_time = time.perf_counter() - start - fit_time
    train_score = float(scorer(est, X[train], y[train])) if return_train else np.nan
    return test_score, train_score, fit_time, score_time


_WORKER_STATE = {}


def _init_worker(estimator, X, y, folds, scorer, return_train):
    """Runs once in each worker process: keep the shared data instead of resending it per task."""
    _WORKER_STATE.update(estimator=estimator, X=X, y=y, folds=folds, scorer=scorer,
                         return_train=return_train)


def _worker_task(params, fold):
    """One fit in a worker; its warnings are recorded and sent back with the result, so the
    parent issues them under its own filters (a worker's stderr ignores them)."""
    s = _WORKER_STATE
    train, test = s["folds"][fold]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _fit_and_score(s["estimator"], params, s["X"], s["y"], train, test, s["scorer"],
                                s["return_train"])
    return result, [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def _n_workers(n_jobs, n_tasks):
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) \
            or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be None, -1 (all cores) or a positive int, got {n_jobs!r}")
    return max(1, min((os.cpu_count() or 1) if n_jobs == -1 else n_jobs, n_tasks))


def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_fits(estimator, X, y, folds, scorer, tasks, n_jobs=None, return_train=False):
    """Results of `_fit_and_score` for each ``(params, fold_index)`` task, in task order.

    With more than one worker the tasks run in a process pool. Workers are
    forked from a clean "forkserver" process (fresh interpreters via "spawn"
    where fork is unavailable), never from this process itself: forking a
    process that already runs threads (BLAS, numba/OpenMP) can deadlock.
    """
    workers = _n_workers(n_jobs, len(tasks))
    if workers == 1:
        return [_fit_and_score(estimator, params, X, y, *folds[f], scorer, return_train)
                for params, f in tasks]
    try:
        pickle.dumps((estimator, scorer, [p for p, _ in tasks]))
    except Exception as err:
        raise TypeError(f"n_jobs={n_jobs} runs fits in other processes, which needs the "
                        f"estimator, its parameters and the scoring function to be picklable "
                        f"(classes and functions defined at module level, no lambdas): {err}") from None
    with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(),
                             initializer=_init_worker,
                             initargs=(estimator, X, y, folds, scorer, return_train)) as pool:
        futures = [pool.submit(_worker_task, params, f) for params, f in tasks]
        try:
            outcomes = [fut.result() for fut in futures]
        except BrokenProcessPool:
            raise RuntimeError(
                f"n_jobs={n_jobs}: the worker processes died. Each worker imports the main script again, "
                "so a script that starts the search at top level must put that code under "
                "`if __name__ == '__main__':` (or use n_jobs=None); their error message is printed above"
            ) from None
    seen = {}                                   # warning registry: a repeated warning shows once
    for _, caught in outcomes:
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno, registry=seen)
    return [result for result, _ in outcomes]


def _as_arrays(X, y):
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    return X, y


def _folds(estimator, cv, X, y):
    classifier = getattr(estimator, "_estimator_type", None) == "classifier"
    return [(np.asarray(tr), np.asarray(te)) for tr, te in check_cv(cv, y, classifier).split(X, y)]


def cross_val_score(estimator, X, y, cv=5, scoring=None, n_jobs=None):
    """Test score of ``estimator`` on each cross-validation fold, shape (n_splits,)."""
    X, y = _as_arrays(X, y)
    folds = _folds(estimator, cv, X, y)
    results = run_fits(estimator, X, y, folds, get_scorer(scoring),
                       [({}, f) for f in range(len(folds))], n_jobs)
    return np.array([r[0] for r in results])


class GridSearchCV(BaseEstimator):
    """Exhaustive search over ``param_grid`` scored by k-fold cross-validation.

    For each candidate parameter set the estimator is cloned, configured with
    ``set_params``, fitted on k-1 folds and scored on the remaining one; the
    candidate with the highest mean test score wins (ties: the earlier one) and,
    with ``refit=True``, is refitted on all the data as ``best_estimator_``.

    Fitted attributes: ``best_params_``, ``best_score_``, ``best_index_``,
    ``best_estimator_``, ``n_splits_`` and ``cv_results_``, a dict of lists/arrays
    with one entry per candidate: ``params``, ``param_<name>``,
    ``split<i>_test_score``, ``mean_test_score``, ``std_test_score``,
    ``rank_test_score`` (1 = best), ``mean_fit_time``, ``std_fit_time``,
    ``mean_score_time`` (and ``*_train_score`` with ``return_train_score``).
    """

    def __init__(self, estimator, param_grid, cv=5, scoring=None, n_jobs=None, refit=True,
                 return_train_score=False):
        self.estimator = estimator
        self.param_grid = param_grid
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.return_train_score = return_train_score

    @property
    def _estimator_type(self):
        return getattr(self.estimator, "_estimator_type", None)

    def fit(self, X, y):
        """Score every candidate on every fold, then pick (and refit) the best."""
        X, y = _as_arrays(X, y)
        candidates = list(ParameterGrid(self.param_grid))
        for params in candidates:                      # bad names fail here, not in a worker
            clone(self.estimator).set_params(**params)
        folds = _folds(self.estimator, self.cv, X, y)
        self.scorer_ = get_scorer(self.scoring)
        tasks = [(params, f) for params in candidates for f in range(len(folds))]
        results = run_fits(self.estimator, X, y, folds, self.scorer_, tasks, self.n_jobs,
                           self.return_train_score)
        table = np.array(results, dtype=float).reshape(len(candidates), len(folds), 4)
        self.n_splits_ = len(folds)
        self.cv_results_ = self._results_table(candidates, table)
        means = self.cv_results_["mean_test_score"]
        self.best_index_ = int(np.argmax(np.where(np.isnan(means), -np.inf, means)))
        self.best_params_ = candidates[self.best_index_]
        self.best_score_ = float(means[self.best_index_])
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, y)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _results_table(self, candidates, table):
        """``cv_results_`` from scores/times of shape (n_candidates, n_splits, 4)."""
        out = {"params": candidates}
        for name in sorted({k for c in candidates for k in c}):
            out[f"param_{name}"] = [c.get(name) for c in candidates]
        kinds = ["test"] + (["train"] if self.return_train_score else [])
        for col, kind in enumerate(kinds):
            scores = table[:, :, col]
            for i in range(scores.shape[1]):
                out[f"split{i}_{kind}_score"] = scores[:, i]
            out[f"mean_{kind}_score"] = scores.mean(axis=1)
            out[f"std_{kind}_score"] = scores.std(axis=1)
        means = np.where(np.isnan(out["mean_test_score"]), -np.inf, out["mean_test_score"])
        out["rank_test_score"] = 1 + (means[None, :] > means[:, None]).sum(axis=1)
        out["mean_fit_time"] = table[:, :, 2].mean(axis=1)
        out["std_fit_time"] = table[:, :, 2].std(axis=1)
        out["mean_score_time"] = table[:, :, 3].mean(axis=1)
        return out

    def _best(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def predict(self, X):
        """Predictions of ``best_estimator_``."""
        return self._best().predict(X)

    def predict_proba(self, X):
        """Class probabilities from ``best_estimator_``."""
        return self._best().predict_proba(X)

    def decision_function(self, X):
        """Raw scores from ``best_estimator_``."""
        return self._best().decision_function(X)

    def score(self, X, y):
        """Score of ``best_estimator_`` on (X, y) with the search's scoring."""
        return float(self.scorer_(self._best(), *_as_arrays(X, y)))

    @property
    def classes_(self):
        return self._best().classes_
