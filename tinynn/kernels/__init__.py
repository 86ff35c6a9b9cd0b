"""Kernels: plain functions on numpy arrays that do the heavy loops of convolution and pooling.

Each loop exists as a numba kernel and as a numpy twin computing the same numbers; convolution also
has a readable reference (output-pixel loops). Which one runs is chosen by backend name:
`set_backend('numpy')`, `with use_backend('reference'): ...`, the `backend=` argument, or the
environment variable TINYNN_BACKEND=auto|numba|numpy|reference (default 'auto').
"""
from .backend import NAMES as BACKENDS, get_backend, resolve, set_backend, use_backend
from .conv import conv2d_backward, conv2d_forward, conv2d_output_shape
from .pad import fold2d, pad2d
from .pool import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward

__all__ = ["BACKENDS", "avg_pool2d_backward", "avg_pool2d_forward", "conv2d_backward", "conv2d_forward",
           "conv2d_output_shape", "fold2d", "get_backend", "max_pool2d_backward", "max_pool2d_forward",
           "pad2d", "resolve", "set_backend", "use_backend"]
