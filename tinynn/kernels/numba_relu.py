"""The numba kernels of ReLU (the numpy twins and the reason are in relu.py). Flat arrays.

The forward's `v if v > 0 or v != v else 0` is numpy's maximum(v, 0): NaN passes with its bits,
everything else not above 0 (-inf, -0.0) becomes +0.0. The backward's `g if m else g * 0` is the
twin's g · m: g · 0 is -0.0 for negative g and NaN for NaN or ±inf (an exact product, so computing
it in float64 changes no bit).
"""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def relu_numba(x, out, mask):
    """out = max(x, 0), mask = [x > 0]."""
    for i in range(x.size):
        v = x[i]
        m = v > 0
        mask[i] = m
        out[i] = v if m or v != v else 0


@njit(cache=True, nogil=True)
def relu_backward_numba(g, mask, out):
    """out = g · mask."""
    for i in range(g.size):
        v = g[i]
        out[i] = v if mask[i] else v * 0


NUMBA_KERNELS = (relu_numba, relu_backward_numba)


def warm():
    """Call each kernel once on tiny float32 and float64 arrays, which loads it from numba's cache."""
    for dtype in (np.float32, np.float64):
        x, mask = np.zeros(2, dtype), np.zeros(2, dtype=bool)
        relu_numba(x, x.copy(), mask)
        relu_backward_numba(x, mask, x.copy())
