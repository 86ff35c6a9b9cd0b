"""Loss functions with PyTorch's names, arguments and numerics (`import tinynn.losses as L`; the
module forms nn.MSELoss, ... are in tinynn.nn).

Every loss takes reduction='mean' (average over elements, or over the class-target weights for
cross-entropy/NLL with `weight=`), 'sum', or 'none' (the per-element losses). Targets may be
Tensors, numpy arrays or lists; they are cast to the input's dtype (an integer input is promoted to
a float dtype first, so a float target is never truncated).

Where composing existing ops is already stable and not on a hot path, a loss is composed (L1,
Gaussian NLL, NLL); otherwise it is one Function with its backward beside it (MSE, BCE with the
clamped log, BCE with logits, softmax cross-entropy) giving the loss of each element; the reduction
is composed from ops after it (common.reduce).

  pointwise.py       mse_loss, l1_loss, gaussian_nll_loss, binary_cross_entropy(_with_logits)
  classification.py  cross_entropy, nll_loss
  penalties.py       l1_penalty, l2_penalty, gaussian_kl
  common.py          input/target conversion, shape checks, the reduction
"""
from .classification import cross_entropy, nll_loss
from .penalties import gaussian_kl, l1_penalty, l2_penalty
from .pointwise import binary_cross_entropy, binary_cross_entropy_with_logits, gaussian_nll_loss, l1_loss, mse_loss
