"""The update rules: SGD, Adam, AdamW, RMSprop, Adagrad — PyTorch's rules, step for step.

Notation of every docstring (PyTorch's): θ parameter, g gradient, γ lr, λ weight_decay, t the
step count of this parameter (1 at the first update). "L2" weight decay adds λθ to g before the
rule; AdamW instead shrinks θ directly (decoupled). With maximize=True, g is negated first.
The code below is each rule in plain numpy, in the order of its docstring; the state arrays (m, v, ...)
and θ are updated in place. (A fused one-pass Adam is registered in tinynn/kernels.)
"""
import math

import numpy as np

from .optimizer import Optimizer, required


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

        g ← g + λθ
        b ← g (first step),  b ← μb + (1−τ)g (later)      [if μ ≠ 0; τ = dampening]
        g ← g + μb (nesterov)  or  g ← b                   [if μ ≠ 0]
        θ ← θ − γg
    """

    def __init__(self, params, lr=required, momentum=0, dampening=0, nesterov=False, weight_decay=0,
                 maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay, maximize=maximize))

    def _check_group(self, group):
        super()._check_group(group)
        self._check_number("dampening", group["dampening"], 0.0, 1.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")

    def _update(self, p, g, state, group):
        mu, tau = group["momentum"], group["dampening"]
        g = self._effective_grad(p, g, group["weight_decay"], group["maximize"])
        if mu:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = g.copy()
            else:
                b *= mu
                b += (1 - tau) * g if tau else g
            g = g + mu * b if group["nesterov"] else b
        p.data -= group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), optionally AMSGrad.

        g ← g + λθ
        m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
        m̂ = m/(1−β₁ᵗ),       v̂ = v/(1−β₂ᵗ)
        θ ← θ − γ m̂/(√v̂ + ε)

    AMSGrad keeps v_max ← max(v_max, v) and uses v̂ = v_max/(1−β₂ᵗ). (This is what PyTorch computes:
    the running maximum is taken of the raw v and bias-corrected with the current t; some versions
    of its documentation write the maximum of the corrected v̂ instead, which is not the same.)
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _check_group(self, group):
        super()._check_group(group)
        if len(group["betas"]) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair (β₁, β₂), got {group['betas']!r}")
        for i, beta in enumerate(group["betas"]):
            self._check_number(f"betas[{i}]", beta, 0.0, 1.0, high_open=True)

    def _prepare(self, p, g, state, group):
        """The state (made at the first step), the decay, the step count: (g to use, t)."""
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        lr, wd = group["lr"], group["weight_decay"]
        if self._decoupled and wd:
            p.data *= 1 - lr * wd
        g = self._effective_grad(p, g, 0 if self._decoupled else wd, group["maximize"])
        state["step"] += 1
        return g, state["step"]

    def _update(self, p, g, state, group):
        g, t = self._prepare(p, g, state, group)
        (beta1, beta2), m, v = group["betas"], state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * (g * g)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # √v̂ + ε = √v/√(1−β₂ᵗ) + ε, and the step size γ/(1−β₁ᵗ) turns m into m̂
        p.data -= m / (np.sqrt(v) * (1 / math.sqrt(1 - beta2 ** t)) + group["eps"]) * (group["lr"] / (1 - beta1 ** t))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): θ ← θ − γλθ, then the Adam step on g alone.

    Unlike Adam's L2 term, the decay does not pass through m and v, so it is not rescaled by 1/√v̂.
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centred and with momentum.

        g ← g + λθ
        v ← αv + (1−α)g²,   ṽ = v
        centered:  ḡ ← αḡ + (1−α)g,   ṽ = v − ḡ²
        momentum μ > 0:  b ← μb + g/(√ṽ + ε),   θ ← θ − γb
        otherwise:       θ ← θ − γ g/(√ṽ + ε)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _update(self, p, g, state, group):
        alpha, mu = group["alpha"], group["momentum"]
        g = self._effective_grad(p, g, group["weight_decay"], group["maximize"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * (g * g)
        v_tilde = v
        if group["centered"]:
            avg = state.setdefault("grad_avg", np.zeros_like(p.data))
            avg *= alpha
            avg += (1 - alpha) * g
            v_tilde = v - avg * avg
        step = g / (np.sqrt(v_tilde) + group["eps"])
        if mu > 0:
            b = state.setdefault("momentum_buffer", np.zeros_like(p.data))
            b *= mu
            b += step
            step = b
        p.data -= group["lr"] * step


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.): per-coordinate steps shrinking with the summed squared gradients.

        γ̃ = γ / (1 + (t−1)·lr_decay)
        g ← g + λθ
        s ← s + g²          (s starts at initial_accumulator_value)
        θ ← θ − γ̃ g/(√s + ε)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def _update(self, p, g, state, group):
        g = self._effective_grad(p, g, group["weight_decay"], group["maximize"])
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] = t = state["step"] + 1
        s = state["sum"]
        s += g * g
        p.data -= group["lr"] / (1 + (t - 1) * group["lr_decay"]) * (g / (np.sqrt(s) + group["eps"]))
