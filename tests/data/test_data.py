"""Datasets, DataLoader, random_split, Standardizer and one_hot."""
import numpy as np
import pytest

import tinynn as tn
from tinynn.data import (DataLoader, Dataset, Standardizer, Subset, TensorDataset, collate, one_hot,
                         random_split)


def xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 3
    return x, y


def test_tensor_dataset_items_and_lengths():
    x, y = xy()
    ds = TensorDataset(x, tn.Tensor(y))
    assert len(ds) == 10
    xi, yi = ds[4]
    assert isinstance(xi, tn.Tensor) and np.array_equal(xi.data, x[4]) and yi.item() == y[4]
    with pytest.raises(ValueError, match="array 1 has 9 samples but array 0 has 10"):
        TensorDataset(x, y[:9])
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_loader_in_order_covers_the_data(drop_last, sizes):
    x, y = xy()
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == len(sizes)
    assert [len(b[0]) for b in batches] == sizes
    assert all(isinstance(t, tn.Tensor) for b in batches for t in b)
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), x[:sum(sizes)])
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == y.dtype


def test_shuffle_is_a_permutation_reproducible_from_the_seed():
    x, y = xy(23)

    tn.manual_seed(5)
    first = [np.concatenate([xb.data[:, 0] for xb, _ in DataLoader(TensorDataset(x, y), 5, shuffle=True)])
             for _ in range(2)]
    tn.manual_seed(5)
    again = [np.concatenate([xb.data[:, 0] for xb, _ in DataLoader(TensorDataset(x, y), 5, shuffle=True)])
             for _ in range(2)]
    np.testing.assert_array_equal(first, again)                   # same global seed, same order
    assert not np.array_equal(first[0], first[1])                 # a new permutation per pass
    np.testing.assert_array_equal(np.sort(first[0]), x[:, 0])     # each sample exactly once
    # pairs stay together: the label of each row is still the one it had
    for xb, yb in DataLoader(TensorDataset(x, y), 5, shuffle=True, generator=1):
        np.testing.assert_array_equal(yb.data, (xb.data[:, 0] // 3).astype(int) % 3)


def test_explicit_generator_matches_numpy_permutation():
    x, y = xy(12)
    got = np.concatenate([yb.data for _, yb in DataLoader(TensorDataset(x, np.arange(12)), 5, shuffle=True,
                                                            generator=np.random.default_rng(42))])
    np.testing.assert_array_equal(got, np.random.default_rng(42).permutation(12))


def test_tensor_dataset_batches_use_one_fancy_index_not_getitem(monkeypatch):
    x, y = xy()
    ds = TensorDataset(x, y)
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample access"))
    assert sum(len(b[0]) for b in DataLoader(ds, 3, shuffle=True, generator=0)) == 10
    assert sum(len(b[0]) for b in DataLoader(random_split(ds, [6, 4], generator=0)[0], 4, shuffle=True)) == 6


@pytest.mark.parametrize("data, dtype", [(np.arange(12.0).reshape(6, 2), np.float64),
                                         ([[0.5, 1.0]] * 6, np.float32),    # Python floats: the default dtype
                                         (np.arange(6, dtype=np.uint8), np.uint8)])
def test_batches_are_plain_leaves_of_the_checked_dtype(data, dtype):
    """Batches are wrapped without a second dtype check, so they must carry what the one check made."""
    ds = TensorDataset(data)
    for batch in [ds[2], ds.get_batch(np.array([4, 0])), ds.get_batch(slice(1, 3)),
                  *DataLoader(ds, 4, shuffle=True, generator=0)]:
        (t,) = batch
        assert isinstance(t, tn.Tensor) and t.dtype == dtype
        assert t.is_leaf and not t.requires_grad and t.grad is None
    np.testing.assert_array_equal(ds.get_batch(np.array([4, 0]))[0].data, np.asarray(data, dtype)[[4, 0]])


@pytest.mark.parametrize("indices", [np.array([7, -1, 0, 7]), np.array([[1, 2], [3, 4]]), np.array([2], np.uint8),
                                     np.array([], np.int64), np.arange(10) % 3 == 0, [4, 1], slice(8, 2, -2)],
                         ids=["negative", "2d", "uint8", "empty", "mask", "list", "slice"])
def test_get_batch_selects_the_rows_numpy_indexing_selects(indices):
    x, y = xy()
    bx, by = TensorDataset(x, y).get_batch(indices)
    np.testing.assert_array_equal(bx.data, x[indices])
    np.testing.assert_array_equal(by.data, y[indices])
    assert bx.shape == x[indices].shape
    with pytest.raises(IndexError, match="out of bounds"):
        TensorDataset(x, y).get_batch(np.array([3, 10]))


class Squares(Dataset):
    """A map-style dataset with only __len__/__getitem__: samples (x, x²) as Python floats."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return float(i), float(i) ** 2


def test_generic_dataset_is_collated_sample_by_sample():
    batches = list(DataLoader(Squares(), batch_size=3))
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    np.testing.assert_array_equal(batches[1][1].data, [9.0, 16.0, 25.0])
    assert batches[0][0].dtype == tn.get_default_dtype()
    stacked = collate([np.ones(2), np.zeros(2)])
    assert stacked.shape == (2, 2)
    with pytest.raises(ValueError, match="different shapes"):
        collate([np.ones(2), np.ones(3)])


def test_random_split_counts_fractions_and_disjointness():
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=0)
    assert [len(p) for p in parts] == [5, 3, 2]
    seen = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))
    assert parts[1][0][0].item() == parts[1].indices[0]
    # fractions that do not divide n: remainders go round-robin to the first parts (PyTorch's rule)
    assert [len(p) for p in random_split(TensorDataset(np.arange(11)), [0.25, 0.25, 0.25, 0.25])] == [3, 3, 3, 2]
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="neither counts nor fractions"):
        random_split(ds, [0.5, 0.6])
    assert isinstance(parts[0], Subset)


def test_loader_argument_errors():
    ds = TensorDataset(np.arange(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, shuffle=True, generator="seed")
    with pytest.raises(TypeError, match="__len__"):
        DataLoader(42)


# ---- Standardizer ---------------------------------------------------------------------------------------
def test_standardizer_fits_on_train_and_applies_to_test():
    rng = np.random.default_rng(0)
    train = rng.normal([1.0, -5.0, 100.0], [2.0, 0.1, 30.0], size=(500, 3))
    test = rng.normal(0.0, 1.0, size=(20, 3))
    s = Standardizer().fit(train)
    z = s.transform(train)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(s.transform(test), (test - train.mean(0)) / train.std(0), rtol=1e-12)
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test, rtol=1e-12)
    np.testing.assert_allclose(Standardizer().fit_transform(train), z)


def test_standardizer_constant_features_are_only_centred():
    x = np.array([[1.0, 0.1, 0.0], [3.0, 0.1, 0.0], [5.0, 0.1, 0.0]])
    x[:, 1] = 0.1                                   # constant; its float std may be a rounding residue
    s = Standardizer().fit(x)
    np.testing.assert_array_equal(s.scale[1:], [1.0, 1.0])
    z = s.transform(x)
    assert np.isfinite(z).all()
    np.testing.assert_allclose(z[:, 1:], 0, atol=1e-15)
    np.testing.assert_allclose(s.transform(np.array([[1.0, 0.6, -2.0]]))[0, 1:], [0.5, -2.0])


def test_standardizer_keeps_float32_tensors_and_images():
    x = tn.Tensor(np.random.default_rng(1).normal(3, 2, size=(50, 4, 4)).astype(np.float32))
    s = Standardizer().fit(x)
    z = s.transform(x)
    assert isinstance(z, tn.Tensor) and z.dtype == np.float32 and z.shape == (50, 4, 4)
    assert s.mean.shape == (4, 4)


def test_standardizer_errors():
    s = Standardizer()
    with pytest.raises(RuntimeError, match="fit"):
        s.transform(np.ones((2, 2)))
    s.fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(4, 3\).*\(2,\)"):
        s.transform(np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))


# ---- one_hot --------------------------------------------------------------------------------------------
def test_one_hot_values_shape_and_dtype():
    out = one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(out, np.eye(3)[[2, 0, 1, 2]])
    assert out.dtype == tn.get_default_dtype()
    assert one_hot(np.array([[0], [1]]), num_classes=4).shape == (2, 1, 4)
    t = one_hot(tn.Tensor(np.array([1.0, 0.0])), 2)
    assert isinstance(t, tn.Tensor) and t.tolist() == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("labels, k, message", [(np.array([0, 3]), 3, "label 3 is out of range"),
                                                (np.array([-1, 0]), 2, ">= 0"),
                                                (np.array([0.5]), 2, "whole numbers")])
def test_one_hot_errors(labels, k, message):
    with pytest.raises(ValueError, match=message):
        one_hot(labels, k)


@pytest.mark.parametrize("arrays, error, message", [
    ((np.ones((3, 2)), None), TypeError, "TensorDataset: array 1 is None"),
    ((np.array([[1.0, None]], dtype=object),), TypeError, "TensorDataset: array 0 has dtype object"),
    ((np.array(["a", "b"]),), TypeError, r"array 0 has dtype <U1 \(strings\)"),
    ((np.ones(3, complex),), TypeError, r"array 0 has dtype complex128 \(complex numbers\)"),
    (([[1.0, 2.0], [3.0]],), ValueError, "array 0 is ragged"),
    ((np.float32(2.0),), ValueError, "array 0 is a single number"),
    ((np.ones((3, 2)), np.ones(2)), ValueError, "array 1 has 2 samples but array 0 has 3"),
], ids=["none", "object", "strings", "complex", "ragged", "scalar", "lengths"])
def test_tensor_dataset_refuses_what_is_not_numeric_samples(arrays, error, message):
    with pytest.raises(error, match=message):
        TensorDataset(*arrays)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, None, True])
def test_data_loader_batch_size_must_be_a_positive_int(batch_size):
    with pytest.raises(ValueError, match=f"DataLoader: batch_size must be a positive integer, got {batch_size!r}"):
        DataLoader(TensorDataset(np.ones((4, 2))), batch_size=batch_size)
