"""Hyperparameter search by cross-validation: `GridSearchCV`, `cross_val_score`.

    search = GridSearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2, 4, 8]}, cv=5, n_jobs=2)
    search.fit(X, y)
    search.best_params_, search.best_score_, search.cv_results_["mean_test_score"]

Every candidate is scored on the same folds. For classifiers an integer ``cv``
means `StratifiedKFold` (each fold keeps the class proportions), otherwise
`tinynn.data.KFold`; both unshuffled, as in scikit-learn. With ``n_jobs > 1`` the
(candidate, fold) fits run in joblib worker processes (as in scikit-learn): no
``__main__`` guard is needed, and the results equal those of ``n_jobs=1``.
"""

import itertools
import os
import pickle
import time
import warnings

import numpy as np

from .._progress import check_progress, progress_bar
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


def _fit_recording_warnings(estimator, params, X, y, train, test, scorer, return_train):
    """`_fit_and_score` in a worker process; its warnings are recorded and sent back with the
    result, so the parent issues them under its own filters (a worker's stderr ignores them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _fit_and_score(estimator, params, X, y, train, test, scorer, return_train)
    return result, [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def _n_workers(n_jobs, n_tasks):
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) \
            or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be None, -1 (all cores) or a positive int, got {n_jobs!r}")
    return max(1, min((os.cpu_count() or 1) if n_jobs == -1 else n_jobs, n_tasks))


def run_fits(estimator, X, y, folds, scorer, tasks, n_jobs=None, return_train=False, progress=None):
    """Results of `_fit_and_score` for each ``(params, fold_index)`` task, in task order.

    With more than one worker the tasks run in joblib's process pool (loky, as scikit-learn):
    workers are fresh interpreters that receive the work by cloudpickle, so a script needs no
    ``if __name__ == "__main__":`` guard and estimators or scorers defined in the script or a
    notebook work too; joblib limits BLAS threads in the workers so they do not oversubscribe
    the cores. ``progress`` draws a bar over the fits (see `tinynn._progress`).
    """
    workers = _n_workers(n_jobs, len(tasks))
    bar = progress_bar(total=len(tasks), desc="grid search", unit="fit", progress=progress)
    with bar:
        if workers == 1:
            results = []
            for params, f in tasks:
                results.append(_fit_and_score(estimator, params, X, y, *folds[f], scorer, return_train))
                bar.update()
            return results
        from joblib import Parallel, delayed
        fit = delayed(_fit_recording_warnings)
        outcomes = []
        try:
            for outcome in Parallel(n_jobs=workers, return_as="generator")(
                    fit(estimator, params, X, y, *folds[f], scorer, return_train) for params, f in tasks):
                outcomes.append(outcome)
                bar.update()
        except pickle.PicklingError as err:
            cause = str(err.__cause__ or err).strip().strip('"').strip().splitlines()[-1]  # last line
            raise TypeError(f"n_jobs={n_jobs} runs fits in other processes, which needs the estimator, "
                            f"its parameters and the scoring function to be picklable: {cause}") from None
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


def cross_val_score(estimator, X, y, cv=5, scoring=None, n_jobs=None, progress=None):
    """Test score of ``estimator`` on each cross-validation fold, shape (n_splits,)."""
    X, y = _as_arrays(X, y)
    folds = _folds(estimator, cv, X, y)
    results = run_fits(estimator, X, y, folds, get_scorer(scoring),
                       [({}, f) for f in range(len(folds))], n_jobs, progress=check_progress(progress))
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

    ``n_jobs``: fits run in that many joblib worker processes (-1: all cores), same results.
    ``progress``: a bar over the fits; None shows it on a terminal when the search takes more
    than a few seconds, True always, False never.
    """

    def __init__(self, estimator, param_grid, cv=5, scoring=None, n_jobs=None, refit=True,
                 return_train_score=False, progress=None):
        self.estimator = estimator
        self.param_grid = param_grid
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.return_train_score = return_train_score
        self.progress = progress

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
                           self.return_train_score, check_progress(self.progress))
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
