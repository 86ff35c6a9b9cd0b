"""What one benchmark is (`Case`) and the helpers that build the same model on both sides.

A Case holds one callable per side ('tinynn', and where available 'torch' and a 'floor'), each
doing one unit of work (a training step, a whole training run, one scalar graph), plus the target
ratio tinynn/side for each reference. Both sides get the same architecture, the same initial
weights (copied from tinynn to PyTorch), the same data, loss, optimiser and dtype (float32).
"""
from dataclasses import dataclass, field

import numpy as np

REFERENCE_NAMES = {"torch": "PyTorch", "floor": "numpy by hand", "scalar_floor": "pure-Python floor",
                   "peak": "numpy GEMM peak", "tinynn_numpy": "tinynn, numpy kernels"}


@dataclass
class Case:
    key: str                    # short name for --only, e.g. 'susy64'
    title: str                  # what is timed, for the table
    sides: dict                 # {'tinynn': fn, 'torch': fn, 'floor': fn}; each fn does one unit
    targets: dict               # {reference side: target ratio tinynn/reference, or None = shown only}
    unit: str = "step"
    flops: float = None         # flops of one unit, for GFLOP/s and the machine-limit row
    repeats: int = None         # overrides the run's default (few for whole training runs)
    warmup: int = 2
    agreement: float = None     # relative difference of the sides' results on identical inputs
    alone: bool = False         # also time tinynn alone in a fresh process (see alone.py)
    extra: dict = field(default_factory=dict)   # derived numbers, e.g. the implied epoch time


def import_torch(enabled=True):
    """PyTorch if it is installed and wanted, else None (then the numpy references stand alone)."""
    if not enabled:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def copy_to_torch(model, torch_model, torch):
    """Load tinynn `model`'s parameters into `torch_model` (same names, as nn.Sequential gives both)."""
    state = {k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}
    torch_model.load_state_dict(state, strict=True)
    return torch_model


def relative_difference(a, b):
    """|a - b| / max(|a|, |b|, tiny), elementwise maximum, for checking that two sides agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-30)))


def step_fn(model, loss_fn, optimizer, x, y):
    """The user's training step, the same text for tinynn and PyTorch: returns the loss tensor."""
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def first_losses(sides, steps=3):
    """Run `steps` steps on every side (all starting from identical weights) and return the
    largest relative difference of the losses: a check that the sides train the same model."""
    losses = {name: [float(fn()) for _ in range(steps)] for name, fn in sides.items()}
    names = list(losses)
    return max(relative_difference(losses[names[0]], losses[n]) for n in names[1:]) if len(names) > 1 else 0.0


def mlp(nn, sizes, act, out_act=None):
    """Sequential(Linear, act, Linear, act, ..., Linear[, out_act]) in either library's `nn`."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act(nn)())
    if out_act is not None:
        layers.append(out_act(nn)())
    return nn.Sequential(*layers)


def linear_weights(model):
    """[(W, b), ...] of the Linear layers of a tinynn Sequential, as numpy arrays."""
    state = list(model.state_dict().values())
    return list(zip(state[0::2], state[1::2]))
