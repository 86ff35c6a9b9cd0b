"""`import tinynn.functional as F`: the stateless functions layers and losses are built from."""
from .ops import (abs, clip, elu, exp, leaky_relu, log, log_softmax, logsumexp, matmul, maximum, minimum, pad,
                  relu, sigmoid, softmax, softplus, sqrt, tanh, where)

__all__ = ["abs", "clip", "elu", "exp", "leaky_relu", "log", "log_softmax", "logsumexp", "matmul", "maximum",
           "minimum", "pad", "relu", "sigmoid", "softmax", "softplus", "sqrt", "tanh", "where"]
