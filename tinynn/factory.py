"""Ways to make tensors, named as in PyTorch, and the global random generator (`manual_seed`)."""
import numpy as np

from .tensor import Tensor, get_default_dtype

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the global generator used by rand/randn, initialisers, dropout and shuffling."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator():
    """The global numpy Generator (reseeded by manual_seed)."""
    return _generator


def _dtype(dtype):
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of `data` (Python floats become the default dtype, float32)."""
    data = data.data if isinstance(data, Tensor) else data
    return Tensor(np.array(data, dtype=dtype, copy=True) if dtype is not None or isinstance(data, np.ndarray)
                  else data, requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with `array` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*shape, dtype=None, requires_grad=False):
    return Tensor(np.zeros(_shape(shape), _dtype(dtype)), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return Tensor(np.ones(_shape(shape), _dtype(dtype)), requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    return Tensor(np.full(shape, fill_value, _dtype(dtype)), requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return Tensor(np.zeros(t.shape, t.dtype if dtype is None else dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return Tensor(np.ones(t.shape, t.dtype if dtype is None else dtype), requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    """Uniform on [0, 1) from the global generator."""
    return Tensor(_generator.random(_shape(shape)).astype(_dtype(dtype)), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad=False):
    """Standard normal from the global generator."""
    return Tensor(_generator.standard_normal(_shape(shape)).astype(_dtype(dtype)), requires_grad=requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Like numpy.arange; integer arguments give int64 unless a dtype is given."""
    data = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None or data.dtype.kind == "f":
        data = data.astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def linspace(start, stop, steps, dtype=None, requires_grad=False):
    return Tensor(np.linspace(start, stop, steps, dtype=_dtype(dtype)), requires_grad=requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)
