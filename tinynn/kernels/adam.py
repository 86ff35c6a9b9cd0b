"""Adam's update in one compiled pass (numba_adam.py) for tinynn/optim's Adam and AdamW.

Registered for `Adam._update` in the table of tinynn/kernels; it runs where the kernel applies (backend
'numba', no AMSGrad, a contiguous parameter of float32 or float64 with a gradient of its dtype) and
hands every other case to the rule's own numpy code. The rule's `_prepare` (state, weight decay, step
count) runs as in the numpy code, so only the formulas of m, v and θ are fused, in the same order of
operations: both give the same bits (tests/kernels/test_optim_fused.py).
"""
import math

from ..optim.optimizers import Adam
from . import backend as _backend
from .warmup import numba_kernel

adam_update_numba = numba_kernel("tinynn.kernels.numba_adam", "adam_update")


def adam_update(opt, p, g, state, group):
    """Adam._update, fused where it applies."""
    if group["amsgrad"] or not p.data.flags.c_contiguous or g.dtype != p.data.dtype or \
            _backend.resolve(dtype=p.data.dtype) != "numba":
        return Adam._update(opt, p, g, state, group)
    g, t = opt._prepare(p, g, state, group)
    (beta1, beta2), dt = group["betas"], p.data.dtype.type
    adam_update_numba(p.data.reshape(-1), g.reshape(-1), state["exp_avg"].reshape(-1),
                      state["exp_avg_sq"].reshape(-1), dt(beta1), dt(beta2), dt(1 - beta1), dt(1 - beta2),
                      dt(group["eps"]), dt(group["lr"] / (1 - beta1 ** t)), dt(1 / math.sqrt(1 - beta2 ** t)))
