"""Datasets and mini-batches, with PyTorch's names: Dataset, TensorDataset, Subset, DataLoader, random_split.

A dataset answers `len(ds)` and `ds[i]` (one sample) and, for speed, `ds.get_batch(indices)` (a whole
batch at once). `TensorDataset` gets a batch with one fancy-index per array, so a `DataLoader` over
it costs a few numpy calls per batch, however large the batch — no Python loop over samples.
"""
import math

import numpy as np

from .. import factory
from ..checks import NUMERIC
from ..tensor import Tensor


def _generator(generator):
    """A numpy Generator: the one given, a new one seeded by an int, or (None) tinynn's global one."""
    if generator is None:
        return factory.default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(generator)
    raise TypeError(f"generator must be None, an int seed or a numpy.random.Generator, got {type(generator).__name__}")


def check_array(value, what):
    """`value` (array, Tensor, nested list) as a numpy array of numbers with a sample axis, or a clear error.

    Refuses what would otherwise become a silent NaN or a bare numpy error further down: None,
    object and string data, ragged nested lists, and single numbers. `what` names the argument.
    """
    if value is None:
        raise TypeError(f"{what} is None; pass an array of numbers")
    try:
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
    except ValueError:                              # numpy refuses ragged nested lists
        raise ValueError(f"{what} is ragged: its rows have different lengths") from None
    if array.dtype.kind not in NUMERIC:             # the dtype policy of tinynn/checks.py (no complex either)
        kind = {"U": "strings", "S": "strings", "O": "Python objects such as None", "c": "complex numbers"}
        raise TypeError(f"{what} has dtype {array.dtype} ({kind.get(array.dtype.kind, 'not real numbers')}); "
                        "real numbers are needed")
    if array.ndim == 0:
        raise ValueError(f"{what} is a single number; every array needs a sample axis (its first dimension)")
    return array


def collate(samples):
    """Stack a list of samples into a batch: each sample an array/Tensor/number or a tuple of them."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("collate: samples have different numbers of fields")
        return tuple(_stack([s[k] for s in samples]) for k in range(len(first)))
    return _stack(samples)


def _stack(items):
    if all(isinstance(x, (Tensor, np.ndarray, np.generic)) for x in items):
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in items]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"collate: cannot stack samples of different shapes {sorted(shapes)}")
        return Tensor(np.stack(arrays))
    return Tensor(list(items))          # Python numbers: default float dtype, as tinynn.tensor() does


class Dataset:
    """Base class: subclasses define `__len__` and `__getitem__(i)` (one sample, e.g. a tuple (x, y)).

    `get_batch(indices)` collates samples one by one; override it when a whole batch can be read at once.
    """

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def get_batch(self, indices):
        """The samples at `indices` (an index array or a slice), stacked into Tensors."""
        if isinstance(indices, slice):
            indices = range(*indices.indices(len(self)))
        return collate([self[int(i)] for i in indices])


class TensorDataset(Dataset):
    """Samples are rows of arrays sharing their first dimension: ds[i] = (x[i], y[i], ...) as Tensors."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        for i, t in enumerate(tensors):
            check_array(t, f"TensorDataset: array {i}")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        self._arrays = tuple(t.data for t in self.tensors)
        for i, a in enumerate(self._arrays):
            if len(a) != len(self._arrays[0]):
                raise ValueError(f"TensorDataset: array {i} has {len(a)} samples but array 0 has "
                                 f"{len(self._arrays[0])} (all must share their first dimension)")

    def __len__(self):
        return len(self._arrays[0])

    # The arrays passed the dtype check once, above; their rows need no second one, so they are wrapped
    # with Tensor.from_op, the no-check constructor that ops use (a batch of one is ~4 µs, mostly this).
    def __getitem__(self, index):
        return tuple([Tensor.from_op(a[index], None) for a in self._arrays])

    def get_batch(self, indices):
        if type(indices) is np.ndarray and indices.dtype.kind in "iu":   # a shuffled batch: the rows a[indices]
            return tuple([Tensor.from_op(a.take(indices, axis=0), None) for a in self._arrays])  # ~2x faster
        return tuple([Tensor.from_op(a[indices], None) for a in self._arrays])


class Subset(Dataset):
    """The samples of `dataset` at `indices` (made by random_split)."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices):
        inner = self.indices[indices]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(inner)
        return collate([self.dataset[int(i)] for i in inner])


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors: `for x, y in DataLoader(ds, 32, shuffle=True)`.

    With shuffle=True every pass draws a new permutation from `generator` (a numpy Generator, an int
    seed, or None for tinynn's global generator, which `tinynn.manual_seed` resets). The last batch
    is smaller unless drop_last=True drops it. Without shuffling, batches of a TensorDataset are
    views into its arrays (no copy).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None):
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader needs a dataset with __len__ and __getitem__, got {type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.generator = generator if generator is None else _generator(generator)
        self._fetch = getattr(dataset, "get_batch", None) or (lambda idx: Dataset.get_batch(dataset, idx))

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n, bs = len(self.dataset), self.batch_size
        order = _generator(self.generator).permutation(n) if self.shuffle else None
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            yield self._fetch(order[start:start + bs] if self.shuffle else slice(start, min(start + bs, n)))


def random_split(dataset, lengths, generator=None):
    """Split a dataset into non-overlapping random Subsets of the given lengths.

    `lengths` are counts summing to len(dataset), or fractions summing to 1: then each part gets
    ⌊n·fraction⌋ samples and the remaining ones go round-robin to the first parts (as in PyTorch).
    """
    n, lengths = len(dataset), list(lengths)
    if not lengths or any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative and not empty, got {lengths}")
    if all(isinstance(x, (int, np.integer)) for x in lengths):
        counts = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0) and all(x <= 1 for x in lengths):
        counts = [math.floor(n * x) for x in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        raise ValueError(f"random_split: lengths {lengths} are neither counts nor fractions summing to 1")
    if sum(counts) != n:
        raise ValueError(f"random_split: lengths sum to {sum(counts)}, but the dataset has {n} samples")
    order = _generator(generator).permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
