"""tinynn: a small, readable deep-learning framework on numpy and numba.

Two engines: `tinynn.scalar.Value` (one number per node, for learning backpropagation) and
`tinynn.Tensor` (numpy arrays, for training networks).
"""
from .factory import (arange, default_generator, eye, from_numpy, full, linspace, manual_seed, ones, ones_like,
                      rand, randn, tensor, zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck
from .io import load, save
from .ops import cat, concat, stack, where
from .tensor import Tensor, enable_grad, get_default_dtype, is_grad_enabled, no_grad, set_default_dtype

float32, float64, int64 = "float32", "float64", "int64"

__version__ = "0.1.0"
