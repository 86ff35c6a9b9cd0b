"""Splitting arrays into training and test parts: KFold and train_test_split.

`KFold` and `train_test_split` follow scikit-learn's semantics, so code written
for the exercise sheets carries over unchanged:

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
    for train_idx, test_idx in KFold(5, shuffle=True, random_state=0).split(X):
        ...

Randomness always comes from ``np.random.default_rng(random_state)``, so an
integer seed gives the same split on every run and platform.
"""

import math

import numpy as np


def _n_samples(X):
    """Number of samples (length of the first axis) of an array-like."""
    if hasattr(X, "shape") and len(X.shape) > 0:
        return int(X.shape[0])
    try:
        return len(X)
    except TypeError:
        raise TypeError(f"expected an array-like with a length, got {type(X).__name__}") from None


class KFold:
    """K-fold cross-validation: split ``n`` samples into ``n_splits`` consecutive folds.

    Each fold is used once as the test set while the other ``n_splits - 1`` folds
    form the training set (returned in ascending order). The first ``n % n_splits`` folds get one extra sample,
    so fold sizes differ by at most one. With ``shuffle=True`` the indices are
    permuted once (seeded by ``random_state``) before being cut into folds.
    """

    def __init__(self, n_splits=5, shuffle=False, random_state=None):
        if not isinstance(n_splits, (int, np.integer)) or isinstance(n_splits, bool):
            raise TypeError(f"KFold: n_splits must be an integer, got {n_splits!r}")
        if n_splits < 2:
            raise ValueError(f"KFold: n_splits must be at least 2, got {n_splits}")
        if not shuffle and random_state is not None:
            raise ValueError("KFold: random_state has no effect when shuffle=False; "
                             "set shuffle=True or leave random_state=None")
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of (train, test) pairs that `split` yields."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train_idx, test_idx)`` integer arrays, one pair per fold."""
        n = _n_samples(X)
        if n < self.n_splits:
            raise ValueError(f"KFold: cannot split {n} samples into {self.n_splits} folds "
                             "(need at least one sample per fold)")
        indices = np.arange(n)
        if self.shuffle:
            np.random.default_rng(self.random_state).shuffle(indices)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            test = indices[start:start + size]
            in_test = np.zeros(n, dtype=bool)
            in_test[test] = True
            yield np.flatnonzero(~in_test), test
            start += size

    def __repr__(self):
        return (f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle}, "
                f"random_state={self.random_state})")


def _split_sizes(n, test_size, train_size):
    """Resolve ``test_size``/``train_size`` (fractions or counts) to two counts."""
    def resolve(size, name):
        if size is None:
            return None
        if isinstance(size, (float, np.floating)):
            if not 0.0 < size < 1.0:
                raise ValueError(f"train_test_split: {name} as a fraction must be in (0, 1), got {size}")
            return size
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            if not 0 < size < n:
                raise ValueError(f"train_test_split: {name}={size} must be between 1 and "
                                 f"n_samples - 1 = {n - 1}")
            return int(size)
        raise TypeError(f"train_test_split: {name} must be a float or an int, got {size!r}")

    test, train = resolve(test_size, "test_size"), resolve(train_size, "train_size")
    if test is None and train is None:
        test = 0.25
    if isinstance(test, float):
        test = math.ceil(test * n)
    if isinstance(train, float):
        train = math.floor(train * n)
    if test is None:
        test = n - train
    if train is None:
        train = n - test
    if train + test > n:
        raise ValueError(f"train_test_split: train ({train}) + test ({test}) samples exceed "
                         f"the {n} samples available")
    if train == 0 or test == 0:
        raise ValueError(f"train_test_split: with {n} samples this gives an empty "
                         f"{'train' if train == 0 else 'test'} set; choose other sizes")
    return train, test


def _stratified_test_counts(counts, n_test):
    """Per-class test counts proportional to ``counts``, summing to ``n_test``.

    Each class gets ``floor(n_test * share)``; the samples left over go to the
    classes with the largest remainders (ties: the more frequent class first).
    """
    exact = counts * n_test / counts.sum()
    out = np.floor(exact).astype(int)
    left = n_test - out.sum()
    order = np.lexsort((-counts, -(exact - out)))
    out[order[:left]] += 1
    return out


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None,
                     shuffle=True, stratify=None):
    """Split arrays into random train and test subsets.

    All arrays must share their first dimension; the same rows go to the same
    part of every array. Returns ``[a_train, a_test, b_train, b_test, ...]``.
    ``test_size`` (default 0.25 when neither size is given) may be a fraction,
    rounded up, or a count. With ``stratify=y`` each class appears in the test
    set in (almost exactly) its overall proportion.
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required")
    n = _n_samples(arrays[0])
    for i, a in enumerate(arrays[1:], start=1):
        if _n_samples(a) != n:
            raise ValueError(f"train_test_split: array {i} has {_n_samples(a)} samples "
                             f"but array 0 has {n}")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    rng = np.random.default_rng(random_state)

    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify requires shuffle=True")
        labels = np.asarray(stratify)
        if labels.shape[0] != n:
            raise ValueError(f"train_test_split: stratify has {labels.shape[0]} labels "
                             f"but the arrays have {n} samples")
        classes, y_idx, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if counts.min() < 2:
            raise ValueError(f"train_test_split: class {classes[counts.argmin()]!r} has only "
                             "one member; stratification needs at least two per class")
        n_test_c = _stratified_test_counts(counts, n_test)
        n_train_c = _stratified_test_counts(counts - n_test_c, n_train)
        test_parts, train_parts = [], []
        for c in range(len(classes)):
            members = rng.permutation(np.flatnonzero(y_idx == c))
            test_parts.append(members[:n_test_c[c]])
            train_parts.append(members[n_test_c[c]:n_test_c[c] + n_train_c[c]])
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    elif shuffle:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:n_test + n_train]
    else:
        train_idx, test_idx = np.arange(n_train), np.arange(n_train, n_train + n_test)

    out = []
    for a in arrays:
        out.append(_take(a, train_idx))
        out.append(_take(a, test_idx))
    return out


def _take(a, idx):
    """Rows ``idx`` of ``a``; lists stay lists, everything else becomes a numpy array."""
    if isinstance(a, list):
        return [a[i] for i in idx]
    return np.asarray(a)[idx]
