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
    tinynn.manual_seed(0)
    model = mlp(tnn, [2, 10, 10, 1], lambda nn: nn.Tanh, lambda nn: nn.Sigmoid)
    weights = linear_weights(model)

    def runner(model, opt, loss_fn, xs, ys):
        def run(n_epochs):
            rng = np.random.default_rng(0)
            for _ in range(n_epochs):
                for i in rng.permutation(len(x)).tolist():
                    loss = step_fn(model, loss_fn, opt, xs[i:i + 1], ys[i:i + 1])()
            return loss
        return run

    runs = {"tinynn": runner(model, toptim.SGD(model.parameters(), lr=0.01), tnn.BCELoss(),
                             tinynn.Tensor(x), tinynn.Tensor(y))}
    floor = NumpyMLP(weights, "tanh", "bce", optimizer="sgd", lr=0.01)

    def floor_run(n_epochs):
        rng = np.random.default_rng(0)
        for _ in range(n_epochs):
            for i in rng.permutation(len(x)).tolist():
                loss = floor.step(x[i:i + 1], y[i:i + 1])
        return loss
    runs["floor"] = floor_run
    targets = {"floor": None}
    torch = cfg.torch
    if torch is not None:
        tm = copy_to_torch(model, mlp(torch.nn, [2, 10, 10, 1], lambda nn: nn.Tanh, lambda nn: nn.Sigmoid), torch)
        runs["torch"] = runner(tm, torch.optim.SGD(tm.parameters(), lr=0.01), torch.nn.BCELoss(),
                               torch.from_numpy(x), torch.from_numpy(y))
        targets = {"torch": 0.5, "floor": None}
    agreement = first_losses({name: (lambda r=r: _float(r(1))) for name, r in runs.items()}, steps=1)
    sides = {name: (lambda r=r: r(epochs)) for name, r in runs.items()}
    return [Case("xor", f"XOR charges 2→10→10→1, batch 1, 121 samples × {epochs} epochs (whole run)", sides,
                 targets, unit="run", repeats=3 if cfg.quick else 5, warmup=1, agreement=agreement,
                 extra={"steps_per_run": 121 * epochs})]


# ---- 3, 4: MLP training steps with Adam --------------------------------------------------------
def _mlp_step_case(cfg, key, title, sizes, loss, batch):
    """One Adam step (zero_grad, forward, loss, backward, step) of a ReLU MLP on a fixed batch."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    if loss == "ce":
        y = rng.integers(0, sizes[-1], batch)
    else:
        y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    tinynn.manual_seed(0)
    model = mlp(tnn, sizes, lambda nn: nn.ReLU)
    weights = linear_weights(model)
    loss_fn = tnn.CrossEntropyLoss() if loss == "ce" else tnn.MSELoss()
    sides = {"tinynn": step_fn(model, loss_fn, toptim.Adam(model.parameters(), lr=1e-3),
                               tinynn.Tensor(x), tinynn.Tensor(y))}
    floor = NumpyMLP(weights, "relu", loss, optimizer="adam", lr=1e-3)
    sides["floor"] = lambda: floor.step(x, y)
    targets = {"floor": None}
    torch = cfg.torch
    if torch is not None:
        tm = copy_to_torch(model, mlp(torch.nn, sizes, lambda nn: nn.ReLU), torch)
        tloss = torch.nn.CrossEntropyLoss() if loss == "ce" else torch.nn.MSELoss()
        sides["torch"] = step_fn(tm, tloss, torch.optim.Adam(tm.parameters(), lr=1e-3),
                                 torch.from_numpy(x), torch.from_numpy(y))
        targets = {"torch": TARGETS[key], "floor": None}
    agreement = first_losses({k: (lambda f=f: _float(f())) for k, f in sides.items()})
    return Case(key, title, sides, targets, agreement=agreement)


TARGETS = {"susy64": 0.5, "susy1024": 1.0, "amplitude": 0.5}


def susy(cfg):
    """P1: 18→200→100→2 ReLU, cross-entropy, Adam, at batch 64 and 1024."""
    return [_mlp_step_case(cfg, f"susy{bs}", f"SUSY MLP 18→200→100→2 CE Adam step, batch {bs}",
                           [18, 200, 100, 2], "ce", bs) for bs in (64, 1024)]


def amplitude(cfg):
    """S5.3a: 20→32→32→32→1 ReLU, MSE, Adam, batch 64."""
    return [_mlp_step_case(cfg, "amplitude", "amplitude MLP 20→32→32→32→1 MSE Adam step, batch 64",
                           [20, 32, 32, 32, 1], "mse", 64)]


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
