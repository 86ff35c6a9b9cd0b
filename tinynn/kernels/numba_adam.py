"""The fused Adam update in numba: one pass over a parameter instead of a dozen whole-array numpy calls.

An Adam step touches θ, g, m and v; written with numpy (`tinynn/optim/optimizers.py`, the readable
twin) it is ~12 passes over memory and ~12 Python-level calls per parameter, which dominates the
step of a small network. Here the same formulas run element by element in one compiled loop.
Arrays are flat (callers pass `a.reshape(-1)` of contiguous arrays, which are views).
error_model="numpy" lets division skip Python's zero check, so the loop compiles tight.
All numbers come in the parameter's dtype (1-β too), so every operation rounds exactly as the numpy
twin's does: the fused and the numpy update give the same bits (tests/kernels/test_optim_fused.py), and
backend 'auto' may switch from one to the other during training (tinynn/kernels/warmup.py).
"""
import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def adam_update(p, g, m, v, beta1, beta2, c1, c2, eps, step_size, inv_bias2_sqrt):
    """m ← β₁m + c₁g,  v ← β₂v + c₂g²,  θ ← θ − step_size · m / (√v · inv_bias2_sqrt + ε).

    c₁ = 1−β₁ and c₂ = 1−β₂; step_size = lr/(1−β₁ᵗ) and inv_bias2_sqrt = 1/√(1−β₂ᵗ) carry Adam's
    bias corrections.
    """
    for i in range(p.size):
        gi = g[i]
        mi = beta1 * m[i] + c1 * gi
        vi = beta2 * v[i] + c2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        p[i] -= mi / (math.sqrt(vi) * inv_bias2_sqrt + eps) * step_size


NUMBA_KERNELS = (adam_update,)


def warm():
    """Run the kernel once on tiny float32 and float64 arrays, which loads it from numba's cache."""
    for dtype in (np.float32, np.float64):
        a = np.zeros(1, dtype)
        adam_update(a, a, a, a, *(dtype(0.5),) * 7)
