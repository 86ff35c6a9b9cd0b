"""`import tinynn.optim as optim`: optimisers and learning-rate schedules, with PyTorch's names and rules.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        sched.step()

  optimizer.py     Optimizer: param groups, per-parameter state, zero_grad, state_dict
  optimizers.py    SGD, Adam, AdamW, RMSprop, Adagrad (update rules, in place on numpy arrays)
  lr_scheduler.py  StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau
"""
from . import lr_scheduler
from .lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, ReduceLROnPlateau, StepLR
from .optimizer import Optimizer
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler", "LRScheduler", "StepLR",
           "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]
