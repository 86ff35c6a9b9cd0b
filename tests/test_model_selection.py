"""Splitting (KFold, train_test_split) and grid search."""

import numpy as np
import pytest

from tinynn.data import KFold, train_test_split


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
