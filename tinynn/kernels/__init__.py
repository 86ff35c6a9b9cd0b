"""Kernels: the fast paths, and the one table that says which op each of them speeds up.

An op in tinynn/ops (or an optimiser's update rule) holds its math in plain numpy and never names a
kernel. A fast path is a subclass of the op (or a function standing in for the update rule) that
computes the same numbers faster where it applies, and hands every other case back to the op's own
code. FAST_PATHS below is the table; `Function.apply` and `Optimizer.step` look an op up in it
(`tinynn.function.fast_paths`) and run what they find. Each fast path's module is imported at its
op's first call, so `import tinynn` loads no kernel and no numba.

Which implementation runs is chosen by backend name: `set_backend('numpy')`, `with use_backend('reference'):
...`, the `backend=` argument of conv2d and the pooling functions, or the environment variable
TINYNN_BACKEND=auto|numba|numpy|reference (default 'auto'; see backend.py). numba itself takes ~0.7 s
to load, so 'auto' runs the numpy twins while a background thread loads numba and its kernels, then
switches to them (warmup.py; both give the same bits). `wait_for_numba()` waits for that switch.
"""
import importlib

from .. import function
from ..ops import activation as _activation, conv as _conv
from ..optim import optimizers as _optimizers

# op (or update rule)  ->  "module:name" of its fast path, and when it applies
FAST_PATHS = {
    _activation.ReLU:          "tinynn.kernels.relu:ReLU",         # numba, from 2^15 contiguous elements
    _conv.Conv2d:              "tinynn.kernels.conv:Conv2d",       # im2col or Winograd, numpy or numba
    _conv.MaxPool2d:           "tinynn.kernels.pool:MaxPool2d",    # numba when the backend is numba
    _conv.AvgPool2d:           "tinynn.kernels.pool:AvgPool2d",    # numba when the backend is numba
    _optimizers.Adam._update:  "tinynn.kernels.adam:adam_update",  # numba, no AMSGrad, contiguous θ
}

_LAZY = {"conv2d_forward": "conv", "conv2d_backward": "conv", "conv2d_output_shape": "conv",
         "max_pool2d_forward": "pool", "max_pool2d_backward": "pool",
         "avg_pool2d_forward": "pool", "avg_pool2d_backward": "pool",
         "BACKENDS": "backend", "get_backend": "backend", "resolve": "backend", "set_backend": "backend",
         "use_backend": "backend", "numba_status": "warmup", "wait_for_numba": "warmup"}

__all__ = ["FAST_PATHS", *_LAZY]


def _deferred(op, where):
    """A stand-in for the fast path `where` of `op`: its first call imports the fast path, puts it in
    the op's place in function.fast_paths, and runs it."""
    module, name = where.split(":")

    def load(*args):
        fast = function.fast_paths[op] = getattr(importlib.import_module(module), name)
        return fast(*args)
    return load


function.fast_paths.update({op: _deferred(op, where) for op, where in FAST_PATHS.items()})


def __getattr__(name):
    """The names of _LAZY, from their module, imported on first use (module-level __getattr__, PEP 562)."""
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, "NAMES" if name == "BACKENDS" else name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
