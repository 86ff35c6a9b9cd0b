"""`import tinynn.functional as F`: the stateless functions layers and losses are built from,
under the names PyTorch's `torch.nn.functional` uses."""
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, gaussian_nll_loss,
                     l1_loss, mse_loss, nll_loss)
from .nn.activation import maxout
from .nn.layers import dropout
from .nn.linear import linear
from .ops import (abs, clip, cos, elu, exp, leaky_relu, log, log_softmax, logsumexp, matmul, maximum, minimum, pad,
                  relu, sigmoid, sin, softmax, softplus, sqrt, tanh, where)
from .ops.conv import adaptive_avg_pool2d, avg_pool2d, conv2d, max_pool2d

__all__ = ["abs", "clip", "cos", "elu", "exp", "leaky_relu", "log", "log_softmax", "logsumexp", "matmul", "maximum",
           "minimum", "pad", "relu", "sigmoid", "sin", "softmax", "softplus", "sqrt", "tanh", "where",
           "linear", "dropout", "maxout", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
           "gaussian_nll_loss", "l1_loss", "mse_loss", "nll_loss",
           "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]
