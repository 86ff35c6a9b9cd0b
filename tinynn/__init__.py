"""tinynn: a small, readable deep-learning framework on numpy and numba.

Two engines: `tinynn.scalar.Value` (one number per node, for learning backpropagation) and
`tinynn.Tensor` (numpy arrays, for training networks).
"""
from .factory import (arange, default_generator, eye, from_numpy, full, linspace, manual_seed, ones, ones_like,
                      rand, randn, tensor, zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import cat, concat, stack, where
from .tensor import Tensor, enable_grad, get_default_dtype, is_grad_enabled, no_grad, set_default_dtype

from numpy import float32, float64, int64  # noqa: E402  (dtype names, as torch.float32)

from . import kernels  # noqa: E402,F401  (its table of fast paths; the kernels themselves load at first use)

__version__ = "0.1.0"

_SUBMODULES = {"nn", "optim", "data", "train", "functional", "losses", "datasets", "classic", "scalar", "kernels", "autograd"}
_FUNCTIONS = {"save": "io", "load": "io"}


def __getattr__(name):
    """`tinynn.optim`, `tinynn.nn`, ..., `tinynn.save`, `tinynn.load` work after a bare `import tinynn`
    (imported on first use, so `import tinynn` itself stays fast)."""
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"{__name__}.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'tinynn' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_FUNCTIONS))
