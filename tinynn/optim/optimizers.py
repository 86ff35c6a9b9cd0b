"""The update rules: SGD, Adam, AdamW, RMSprop, Adagrad — PyTorch's rules, step for step.

Notation of every docstring (PyTorch's): θ parameter, g gradient, γ lr, λ weight_decay, t the
step count of this parameter (1 at the first update). "L2" weight decay adds λθ to g before the
rule; AdamW instead shrinks θ directly (decoupled). With maximize=True, g is negated first.
All arithmetic is in place on numpy arrays; see `Optimizer._scratch`.
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
        mu = group["momentum"]
        g = self._effective_grad(p, g, group["weight_decay"], group["maximize"])
        tmp = self._scratch(g, 1)
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                np.multiply(buf, mu, out=buf)
                if group["dampening"]:
                    np.multiply(g, 1 - group["dampening"], out=tmp)
                    np.add(buf, tmp, out=buf)
                else:
                    np.add(buf, g, out=buf)
            if group["nesterov"]:
                out = self._scratch(g, 0)
                np.multiply(buf, mu, out=tmp)
                np.add(g, tmp, out=out)
                g = out
            else:
                g = buf
        np.multiply(g, group["lr"], out=tmp)
        np.subtract(p.data, tmp, out=p.data)


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
    _has_fused_update = True

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

    def _update(self, p, g, state, group):
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        if self._decoupled:
            if wd:
                np.multiply(p.data, 1 - lr * wd, out=p.data)
            g = self._effective_grad(p, g, 0, group["maximize"])
        else:
            g = self._effective_grad(p, g, wd, group["maximize"])
        state["step"] = t = state["step"] + 1
        kernels = None if group["amsgrad"] else self._fused(p, g)
        if kernels is not None:      # the same formulas as below, in one compiled pass
            dt = p.data.dtype.type
            kernels.adam_update(p.data.reshape(-1), g.reshape(-1), state["exp_avg"].reshape(-1),
                                state["exp_avg_sq"].reshape(-1), dt(beta1), dt(beta2), dt(1 - beta1),
                                dt(1 - beta2), dt(group["eps"]),
                                dt(lr / (1 - beta1 ** t)), dt(1 / math.sqrt(1 - beta2 ** t)))
            return
        m, v, tmp = state["exp_avg"], state["exp_avg_sq"], self._scratch(g, 1)
        np.multiply(m, beta1, out=m)
        np.multiply(g, 1 - beta1, out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(v, beta2, out=v)
        np.multiply(g, g, out=tmp)
        np.multiply(tmp, 1 - beta2, out=tmp)
        np.add(v, tmp, out=v)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # denominator √v̂ + ε = √v/√(1−β₂ᵗ) + ε; step size γ/(1−β₁ᵗ) turns m into m̂
        np.sqrt(v, out=tmp)
        np.multiply(tmp, 1 / math.sqrt(1 - beta2 ** t), out=tmp)
        np.add(tmp, group["eps"], out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, lr / (1 - beta1 ** t), out=tmp)
        np.subtract(p.data, tmp, out=p.data)


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
        v, tmp = state["square_avg"], self._scratch(g, 1)
        np.multiply(v, alpha, out=v)
        np.multiply(g, g, out=tmp)
        np.multiply(tmp, 1 - alpha, out=tmp)
        np.add(v, tmp, out=v)
        if group["centered"]:
            if "grad_avg" not in state:
                state["grad_avg"] = np.zeros_like(p.data)
            avg = state["grad_avg"]
            np.multiply(avg, alpha, out=avg)
            np.multiply(g, 1 - alpha, out=tmp)
            np.add(avg, tmp, out=avg)
            np.multiply(avg, avg, out=tmp)
            np.subtract(v, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        np.add(tmp, group["eps"], out=tmp)
        np.divide(g, tmp, out=tmp)
        if mu > 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.zeros_like(p.data)
            buf = state["momentum_buffer"]
            np.multiply(buf, mu, out=buf)
            np.add(buf, tmp, out=buf)
            np.multiply(buf, group["lr"], out=tmp)
        else:
            np.multiply(tmp, group["lr"], out=tmp)
        np.subtract(p.data, tmp, out=p.data)


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
        s, tmp = state["sum"], self._scratch(g, 1)
        np.multiply(g, g, out=tmp)
        np.add(s, tmp, out=s)
        np.sqrt(s, out=tmp)
        np.add(tmp, group["eps"], out=tmp)
        np.divide(g, tmp, out=tmp)
        np.multiply(tmp, group["lr"] / (1 + (t - 1) * group["lr_decay"]), out=tmp)
        np.subtract(p.data, tmp, out=p.data)
