"""Layers without parameters that change or regularise their input: Dropout, Flatten, Identity."""
import numpy as np

from .. import factory
from ..tensor import Tensor
from .module import Module


def dropout(x, p=0.5, training=True, generator=None):
    """Inverted dropout: zero each element with probability p and scale the survivors by 1/(1-p),
    so E[out] = x and evaluation (training=False) is the identity.

    The mask is a constant, so the gradient is g · mask / (1-p) through the ordinary multiplication.
    Random numbers come from the global generator (tinynn.manual_seed) unless one is given.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    x = x if isinstance(x, Tensor) else Tensor(x)
    if p == 1:
        return x * np.zeros((), x.dtype)
    rng = factory.default_generator() if generator is None else generator
    keep = rng.random(x.shape) >= p
    return x * (keep * np.asarray(1 / (1 - p), x.dtype)).astype(x.dtype)


class Dropout(Module):
    """Dropout(p): during training zero elements with probability p and scale the rest by 1/(1-p); identity in eval."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C·H·W) with the defaults."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to switch a layer off)."""

    def forward(self, x):
        return x
