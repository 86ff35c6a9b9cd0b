"""A variational Bayesian linear layer (mean-field Gaussian weights), as used for Bayesian neural networks.

Each weight has its own Gaussian q(w) = N(mu, σ²) with σ² = exp(logsig2); the bias is an ordinary
parameter. Training minimises  loss(data) + KL(q || prior) / N_train  (the ELBO), with the prior
p(w) = N(0, 1/prior_prec).

Training uses the local reparameterisation trick (Kingma, Salimans, Welling 2015): instead of one
weight sample shared by the batch, sample each pre-activation directly from its exact distribution,
    out = x·muᵀ + b + sqrt(x²·σ²ᵀ) · ε,   ε ~ N(0, 1), one per output element,
which has lower-variance gradients and needs two matmuls instead of a weight sample per example.
Evaluation uses one weight set w = mu + σ·ε drawn once and kept ("frozen") until reset_random(),
so a whole test set is predicted by the same network; `map=True` uses the means mu instead.
"""
import math

import numpy as np

from .. import factory
from ..losses import gaussian_kl
from . import init
from .linear import layer_input, linear
from .module import Module, empty_parameter

LOGSIG2_RANGE = (-11.0, 11.0)   # log σ² is clamped here so exp() stays finite and σ never hits exactly 0


def local_reparam_linear(x, mu, logsig2, bias, noise):
    """Sample out ~ N(x·muᵀ + b, x²·exp(logsig2)ᵀ) as mean + sqrt(var)·noise (noise ~ N(0,1), shape of out).

    Shapes: x (N, in), mu and logsig2 (out, in), bias (out,), noise (N, out). 1e-8 keeps sqrt differentiable at 0.
    """
    mean = linear(x, mu, bias)
    var = linear(x * x, logsig2.clip(*LOGSIG2_RANGE).exp()) + 1e-8
    return mean + var.sqrt() * noise


class VBLinear(Module):
    """VBLinear(in_features, out_features, prior_prec=1.0, map=False, logsig2_init=-9.0, dtype=None).

    Parameters: mu_w and logsig2_w (out, in), bias (out,). Initialisation: mu_w ~ N(0, 1/in),
    logsig2_w ~ N(logsig2_init, 0.001²) (tiny initial widths, so training starts like a plain net), bias 0.
    """

    def __init__(self, in_features, out_features, prior_prec=1.0, map=False, logsig2_init=-9.0, dtype=None):
        super().__init__()
        if prior_prec <= 0:
            raise ValueError(f"VBLinear: prior_prec must be positive, got {prior_prec}")
        self.in_features, self.out_features = in_features, out_features
        self.prior_prec, self.map, self.logsig2_init = prior_prec, map, logsig2_init
        self.random = None                      # the frozen ε of the evaluation weight set
        self.mu_w = empty_parameter(out_features, in_features, dtype=dtype)
        self.logsig2_w = empty_parameter(out_features, in_features, dtype=dtype)
        self.bias = empty_parameter(out_features, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.mu_w, 0.0, 1 / math.sqrt(self.in_features))
        init.normal_(self.logsig2_w, self.logsig2_init, 0.001)
        init.zeros_(self.bias)
        self.random = None

    def forward(self, x):
        x = layer_input(x, self.mu_w, "VBLinear")
        if self.training:
            noise = factory.default_generator().standard_normal(x.shape[:-1] + (self.out_features,), dtype=x.dtype)
            return local_reparam_linear(x, self.mu_w, self.logsig2_w, self.bias, noise)
        if self.map:
            return linear(x, self.mu_w, self.bias)
        if self.random is None:
            self.random = self.sample_random_state()
        return linear(x, self.weight_sample(), self.bias)

    def weight_sample(self):
        """The evaluation weight set mu + σ·ε for the frozen ε (differentiable in mu and logsig2)."""
        sigma = (0.5 * self.logsig2_w.clip(*LOGSIG2_RANGE)).exp()
        return self.mu_w + sigma * self.random

    def kl(self):
        """KL(q(w) || N(0, 1/prior_prec)) summed over all weights, in closed form (a Tensor, differentiable)."""
        return gaussian_kl(self.mu_w, self.logsig2_w.clip(*LOGSIG2_RANGE), self.prior_prec)

    def reset_random(self):
        """Forget the frozen evaluation weights: the next evaluation forward draws a new set."""
        self.random = None

    def sample_random_state(self):
        """A fresh ε ~ N(0, 1) of the weight shape, from the global generator (tinynn.manual_seed)."""
        return factory.default_generator().standard_normal(self.mu_w.shape, dtype=self.mu_w.dtype)

    def import_random_state(self, state):
        """Freeze the evaluation weights to mu + σ·state (e.g. a state saved with sample_random_state())."""
        state = np.asarray(state, dtype=self.mu_w.dtype)
        if state.shape != self.mu_w.shape:
            raise ValueError(f"VBLinear: random state of shape {state.shape} does not match the weights {self.mu_w.shape}")
        self.random = state

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"prior_prec={self.prior_prec}, map={self.map}")


def total_kl(model):
    """Σ of kl() over every Bayesian layer in `model`: the KL term of the ELBO loss."""
    terms = [m.kl() for m in model.modules() if isinstance(m, VBLinear)]
    if not terms:
        raise ValueError(f"total_kl: {type(model).__name__} contains no VBLinear layer")
    return sum(terms[1:], terms[0])


def resample(model):
    """Draw a new evaluation weight set in every Bayesian layer (one posterior sample of the network)."""
    for m in model.modules():
        if isinstance(m, VBLinear):
            m.reset_random()
    return model


def set_map(model, map=True):
    """Evaluate every Bayesian layer with its mean weights (map=True) or with sampled weights (False)."""
    for m in model.modules():
        if isinstance(m, VBLinear):
            m.map = map
    return model
