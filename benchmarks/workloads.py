"""Workloads 1-4 of the suite (the ones without convolutions), each built for tinynn, PyTorch and a floor.

Every builder takes the run's settings `cfg` (cfg.quick, cfg.torch: the torch module or None)
and returns a list of `Case`s. Builders check, before any timing, that the sides compute the
same thing (`Case.agreement`: relative difference of their losses or gradients).
"""
import numpy as np

import tinynn
import tinynn.nn as tnn
import tinynn.optim as toptim
from case import Case, copy_to_torch, first_losses, linear_weights, mlp, relative_difference, step_fn
from floors import NumpyMLP, Scalar, s34
from tinynn.data import DataLoader, TensorDataset
from tinynn.scalar import Value
from tinynn.kernels.malloc import keep_freed_memory

keep_freed_memory()   # the opt-in malloc setting (tinynn/kernels/malloc.py), for tinynn and torch alike


def _float(x):
    return x.item() if hasattr(x, "item") else float(x)


# ---- 1: the scalar engine ----------------------------------------------------------------------
def scalar_engine(cfg):
    """Build the S3.4 graph from two fresh leaves and backpropagate: tinynn Value vs PyTorch 0-d
    float64 tensors vs the minimal closure engine. Each side returns (dL/dx1, dL/dx2)."""
    def tinynn_side():
        x1, x2 = Value(1.5), Value(0.5)
        s34(x1, x2).backward()
        return x1.grad, x2.grad

    def floor_side():
        x1, x2 = Scalar(1.5), Scalar(0.5)
        s34(x1, x2).backward()
        return x1.grad, x2.grad

    sides = {"tinynn": tinynn_side, "scalar_floor": floor_side}
    targets = {"scalar_floor": 1.5}
    torch = cfg.torch
    if torch is not None:
        def torch_side():
            x1 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
            x2 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            s34(x1, x2).backward()
            return x1.grad, x2.grad
        sides["torch"] = torch_side
        targets = {"torch": 0.2, "scalar_floor": 1.5}
    grads = {name: [_float(g) for g in fn()] for name, fn in sides.items()}
    agreement = max(relative_difference(grads["tinynn"], g) for g in grads.values())
    return [Case("scalar", "scalar engine: S3.4 build + backward (7 ops)", sides, targets, unit="graph",
                 agreement=agreement)]


# ---- the MLPs of workloads 2-4, built identically on every side ------------------------------------
MLPS = {  # sizes, hidden activation, output activation, loss, optimiser, learning rate
    "xor": ([2, 10, 10, 1], "Tanh", "Sigmoid", "bce", "sgd", 0.01),
    "susy": ([18, 200, 100, 2], "ReLU", None, "ce", "adam", 1e-3),
    "amplitude": ([20, 32, 32, 32, 1], "ReLU", None, "mse", "adam", 1e-3),
}
LOSSES = {"bce": "BCELoss", "ce": "CrossEntropyLoss", "mse": "MSELoss"}


def training_setups(name, torch=None):
    """{side: (model, loss_fn, optimizer)} for tinynn and (if given) PyTorch with identical initial
    weights, plus the numpy floor `NumpyMLP` starting from the same weights, under 'floor'."""
    sizes, act, out_act, loss, opt, lr = MLPS[name]
    tinynn.manual_seed(0)
    setups = {}
    for side, nn, optim in (("tinynn", tnn, toptim), ("torch", getattr(torch, "nn", None),
                                                     getattr(torch, "optim", None))):
        if nn is None:
            continue
        model = mlp(nn, sizes, lambda nn: getattr(nn, act), out_act and (lambda nn: getattr(nn, out_act)))
        if side == "torch":
            copy_to_torch(setups["tinynn"][0], model, torch)
        optimizer = optim.SGD(model.parameters(), lr=lr) if opt == "sgd" else optim.Adam(model.parameters(), lr=lr)
        setups[side] = (model, getattr(nn, LOSSES[loss])(), optimizer)
    setups["floor"] = NumpyMLP(linear_weights(setups["tinynn"][0]), act.lower(), loss, optimizer=opt, lr=lr)
    return setups


def batch(name, size, seed=1):
    """A fixed random batch (x, y) as float32 numpy arrays (int64 class indices for cross-entropy)."""
    sizes, loss = MLPS[name][0], MLPS[name][3]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((size, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size) if loss == "ce" else rng.standard_normal((size, sizes[-1])).astype(np.float32)
    return x, y


def as_side(side, array, torch):
    """A numpy array as the side's tensor type (tinynn.Tensor, torch.Tensor, or the array itself)."""
    return tinynn.Tensor(array) if side == "tinynn" else torch.from_numpy(array) if side == "torch" else array


def step_sides(setups, x, y, torch):
    """{side: one training step on (x, y)} for every side of `setups`."""
    sides = {}
    for side, setup in setups.items():
        if side == "floor":
            sides[side] = lambda f=setup: f.step(x, y)
        else:
            sides[side] = step_fn(*setup, as_side(side, x, torch), as_side(side, y, torch))
    return sides


# ---- 2: XOR charges, batch 1, whole training ---------------------------------------------------
def charges():
    """R1.1a: all integer pairs -5 <= q1, q2 <= 5 (121); label 1 where the signs differ (q = 0: no sign)."""
    q = np.array([(a, b) for a in range(-5, 6) for b in range(-5, 6)], dtype=np.float32)
    return q, (q[:, :1] * q[:, 1:] < 0).astype(np.float32)


def xor_training(cfg):
    """R1.1c: 2→10→10→1 tanh/sigmoid, BCE, SGD lr 0.01, batch 1, every epoch a new shuffle.

    Both sides run the same loop (a permutation per epoch, one slice per step); the data loaders
    are compared separately ('loader'), since PyTorch's costs ~90 µs per batch of one.
    """
    epochs = 1 if cfg.quick else 100
    x, y = charges()
    setups = training_setups("xor", cfg.torch)

    def runner(side, setup):
        xs, ys = as_side(side, x, cfg.torch), as_side(side, y, cfg.torch)
        step = setup.step if side == "floor" else None

        def run(n_epochs):
            rng = np.random.default_rng(0)
            for _ in range(n_epochs):
                for i in rng.permutation(len(x)).tolist():
                    loss = step(xs[i:i + 1], ys[i:i + 1]) if step else step_fn(*setup, xs[i:i + 1], ys[i:i + 1])()
            return loss
        return run

    runs = {side: runner(side, setup) for side, setup in setups.items()}
    targets = {"torch": 0.5, "floor": None} if cfg.torch is not None else {"floor": None}
    agreement = first_losses({name: (lambda r=r: _float(r(1))) for name, r in runs.items()}, steps=1)
    sides = {name: (lambda r=r: r(epochs)) for name, r in runs.items()}
    return [Case("xor", f"XOR charges 2→10→10→1, batch 1, 121 samples × {epochs} epochs (whole run)", sides,
                 targets, unit="run", repeats=3 if cfg.quick else 5, warmup=1, agreement=agreement,
                 extra={"steps_per_run": 121 * epochs})]


# ---- 3, 4: MLP training steps with Adam --------------------------------------------------------
TARGETS = {"susy64": 0.5, "susy1024": 1.0, "amplitude": 0.5}


def _mlp_step_case(cfg, name, key, title, size):
    """One Adam step (zero_grad, forward, loss, backward, step) of MLPS[name] on a fixed batch."""
    x, y = batch(name, size)
    sides = step_sides(training_setups(name, cfg.torch), x, y, cfg.torch)
    targets = {"torch": TARGETS[key], "floor": None} if cfg.torch is not None else {"floor": None}
    agreement = first_losses({k: (lambda f=f: _float(f())) for k, f in sides.items()})
    return Case(key, title, sides, targets, agreement=agreement, alone=size >= 1024)


def susy(cfg):
    """P1: 18→200→100→2 ReLU, cross-entropy, Adam, at batch 64 and 1024."""
    return [_mlp_step_case(cfg, "susy", f"susy{bs}", f"SUSY MLP 18→200→100→2 CE Adam step, batch {bs}", bs)
            for bs in (64, 1024)]


def amplitude(cfg):
    """S5.3a: 20→32→32→32→1 ReLU, MSE, Adam, batch 64."""
    return [_mlp_step_case(cfg, "amplitude", "amplitude", "amplitude MLP 20→32→32→32→1 MSE Adam step, batch 64", 64)]


# ---- data loading (information: what a batch of one costs in each library) -----------------------
def loader(cfg):
    """One shuffled pass of a DataLoader over the 121 charges at batch size 1."""
    x, y = charges()
    tl = DataLoader(TensorDataset(x, y), batch_size=1, shuffle=True, generator=0)
    sides = {"tinynn": lambda: [b for b in tl]}
    targets = {}
    torch = cfg.torch
    if torch is not None:
        from torch.utils.data import DataLoader as TorchLoader, TensorDataset as TorchDataset
        pl = TorchLoader(TorchDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=1, shuffle=True)
        sides["torch"] = lambda: [b for b in pl]
        targets = {"torch": None}
    return [Case("loader", "DataLoader pass, 121 samples, batch 1, shuffled", sides, targets, unit="pass")]


BUILDERS = {"scalar": scalar_engine, "xor": xor_training, "susy": susy, "amplitude": amplitude, "loader": loader}
