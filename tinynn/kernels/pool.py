"""Pooling in one compiled pass: the numba kernels of numba_pool.py for the pooling ops of
tinynn/ops/conv.py, when the backend resolves to 'numba'; otherwise the ops' own numpy code
(tinynn/ops/pooling.py, the numpy twins: both give the same bits, tests/kernels/test_kernels_tiers.py).
"""
import numpy as np

from ..ops import conv as _ops
from ..ops.pooling import avg_pool_numpy, avg_unpool_numpy, max_pool_numpy, max_unpool_numpy, pool_output_shape
from . import backend as _backend
from .warmup import numba_kernel

# ---- numba kernels (tinynn/kernels/numba_pool.py, imported with numba at their first call) --------
max_pool_numba = numba_kernel("tinynn.kernels.numba_pool", "max_pool_numba")
max_unpool_numba = numba_kernel("tinynn.kernels.numba_pool", "max_unpool_numba")
avg_pool_numba = numba_kernel("tinynn.kernels.numba_pool", "avg_pool_numba")
avg_unpool_numba = numba_kernel("tinynn.kernels.numba_pool", "avg_unpool_numba")


def _numba(backend, dtype):
    return _backend.resolve(backend, dtype) == "numba"


def max_pool2d_forward(x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
    """(y, arg) for x (N, C, H, W); arg feeds max_pool2d_backward."""
    if not _numba(backend, x.dtype):
        return max_pool_numpy(x, kernel, stride, padding)
    shape = pool_output_shape(x.shape, kernel, stride, padding)
    return max_pool_numba(np.ascontiguousarray(x), *kernel, *stride, padding[0], padding[2],
                          np.empty(shape, dtype=x.dtype), np.empty(shape, dtype=np.int64))


def max_pool2d_backward(gy, arg, x_shape, backend=None):
    if not _numba(backend, gy.dtype):
        return max_unpool_numpy(gy, arg, x_shape)
    N, C, H, W = x_shape
    out = np.zeros((N, C, H * W), dtype=gy.dtype)
    return max_unpool_numba(np.ascontiguousarray(gy), np.ascontiguousarray(arg), out).reshape(x_shape)


def avg_pool2d_forward(x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
    if not _numba(backend, x.dtype):
        return avg_pool_numpy(x, kernel, stride, padding)
    y = np.empty(pool_output_shape(x.shape, kernel, stride, padding), dtype=x.dtype)
    return avg_pool_numba(np.ascontiguousarray(x), *kernel, *stride, padding[0], padding[2],
                          x.dtype.type(kernel[0] * kernel[1]), y)


def avg_pool2d_backward(gy, x_shape, kernel, stride, padding=(0, 0, 0, 0), backend=None):
    if not _numba(backend, gy.dtype):
        return avg_unpool_numpy(gy, x_shape, kernel, stride, padding)
    return avg_unpool_numba(np.ascontiguousarray(gy), *kernel, *stride, padding[0], padding[2],
                            gy.dtype.type(kernel[0] * kernel[1]), np.zeros(x_shape, dtype=gy.dtype))


class MaxPool2d(_ops.MaxPool2d):
    """Max pooling with the numba kernels (the readable version is the base class)."""
    def forward(self, x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
        y, arg = max_pool2d_forward(x, kernel, stride, padding, backend)
        self.save_for_backward(arg, x.shape, backend)
        return y

    def backward(self, g):
        arg, x_shape, backend = self.saved
        return max_pool2d_backward(g, arg, x_shape, backend)


class AvgPool2d(_ops.AvgPool2d):
    """Average pooling with the numba kernels (the readable version is the base class)."""
    def forward(self, x, kernel, stride, padding=(0, 0, 0, 0), backend=None):
        self.save_for_backward(x.shape, kernel, stride, padding, backend)
        return avg_pool2d_forward(x, kernel, stride, padding, backend)

    def backward(self, g):
        return avg_pool2d_backward(g, *self.saved)
