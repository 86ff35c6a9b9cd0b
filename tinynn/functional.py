"""`import tinynn.functional as F`: the stateless functions layers and losses are built from."""
from .ops import (abs, clip, cos, elu, exp, leaky_relu, log, log_softmax, logsumexp, matmul, maximum, minimum, pad,
                  relu, sigmoid, sin, softmax, softplus, sqrt, tanh, where)

__all__ = ["abs", "clip", "cos", "elu", "exp", "leaky_relu", "log", "log_softmax", "logsumexp", "matmul", "maximum",
           "minimum", "pad", "relu", "sigmoid", "sin", "softmax", "softplus", "sqrt", "tanh", "where"]
