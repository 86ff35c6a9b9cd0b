"""Kernels: plain functions on numpy arrays that do the heavy loops of convolution and pooling.

Each loop exists as a numba kernel and as a numpy twin computing the same numbers; convolution also
has a readable reference (output-pixel loops). Which one runs is chosen by backend name:
`set_backend('numpy')`, `with use_backend('reference'): ...`, the `backend=` argument, or the
environment variable TINYNN_BACKEND=auto|numba|numpy|reference (default 'auto').

numba itself takes ~0.7 s to load, so nothing here imports it up front: 'auto' runs the numpy twins
while a background thread loads numba and its kernels, then switches to them (warmup.py; both give
the same bits). `wait_for_numba()` waits for that switch. The conv and pool modules are loaded on
first use too: `tinynn.kernels.conv2d_forward` imports tinynn.kernels.conv when first looked up.
"""
import importlib

from .backend import NAMES as BACKENDS, get_backend, resolve, set_backend, use_backend
from .pad import fold2d, pad2d
from .warmup import numba_status, wait_for_numba

_LAZY = {"conv2d_forward": "conv", "conv2d_backward": "conv", "conv2d_output_shape": "conv",
         "max_pool2d_forward": "pool", "max_pool2d_backward": "pool",
         "avg_pool2d_forward": "pool", "avg_pool2d_backward": "pool"}

__all__ = ["BACKENDS", "fold2d", "get_backend", "numba_status", "pad2d", "resolve", "set_backend", "use_backend",
           "wait_for_numba", *_LAZY]


def __getattr__(name):
    """The kernels of _LAZY, from their module, imported on first use (module-level __getattr__, PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
