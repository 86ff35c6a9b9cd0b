"""Workloads 5-7: convolutional networks and the convolution itself, tinynn against PyTorch.

Built only when tinynn has nn.Conv2d; each builder returns [] (and says so once) otherwise.
Same conventions as workloads.py: identical initial weights, data, loss, optimiser, float32.
"""
import numpy as np

import tinynn
import tinynn.nn as tnn
import tinynn.optim as toptim
from case import Case, copy_to_torch, first_losses, relative_difference, step_fn
from tinynn.kernels import use_backend
from workloads import _float

CONV_SHAPE = dict(batch=64, c_in=32, c_out=64, size=32, kernel=3)      # workload 7
MNIST_STEPS_PER_EPOCH = 150        # H4: 60,000 images, validation_split 0.5, batch 200


def available():
    return hasattr(tnn, "Conv2d")


def mnist_cnn(nn):
    """H4 (Keras): Conv 8×3×3 ReLU → MaxPool 2 → Flatten → Dense 16 ReLU → Dense 10 (21,898 parameters)."""
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(13 * 13 * 8, 16), nn.ReLU(), nn.Linear(16, 10))


def phi4_cnn(nn):
    """S5.2: two 3×3 convolutions with circular padding (the lattice is periodic), ReLU, then the
    mean over the lattice sites (a phase is a global property) and one logit: 1→8→16 channels."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.AvgPool2d(16), nn.Flatten(), nn.Linear(16, 1))


def _numpy_backend(fn):
    """fn run with tinynn's numpy kernels instead of the default ones (for the backend comparison)."""
    def run():
        with use_backend("numpy"):
            return fn()
    return run


CNNS = {"mnist": (mnist_cnn, "ce"), "phi4": (phi4_cnn, "bce")}


def cnn_batch(name):
    """The fixed batch of workload 5 (200 random 28×28 images, 10 classes) or 6 (64 random 16×16
    lattices, labels 0/1), as float32 numpy arrays (int64 class indices for MNIST)."""
    if name == "mnist":
        rng = np.random.default_rng(2)
        return rng.random((200, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 200)
    rng = np.random.default_rng(3)
    return rng.standard_normal((64, 1, 16, 16)).astype(np.float32), rng.integers(0, 2, (64, 1)).astype(np.float32)


def cnn_setups(name, torch=None, numpy_kernels=False):
    """{side: (model, loss_fn, Adam)} for CNNS[name]: tinynn, optionally tinynn again (same seed) for
    its numpy kernels ('tinynn_numpy'), and PyTorch from the same initial weights."""
    build, loss = CNNS[name]
    setups = {}
    for side in ("tinynn", "tinynn_numpy") if numpy_kernels else ("tinynn",):
        tinynn.manual_seed(0)
        model = build(tnn)
        loss_fn = tnn.CrossEntropyLoss() if loss == "ce" else tnn.BCEWithLogitsLoss()
        setups[side] = (model, loss_fn, toptim.Adam(model.parameters(), lr=1e-3))
    if torch is not None:
        tm = copy_to_torch(setups["tinynn"][0], build(torch.nn), torch)
        tloss = torch.nn.CrossEntropyLoss() if loss == "ce" else torch.nn.BCEWithLogitsLoss()
        setups["torch"] = (tm, tloss, torch.optim.Adam(tm.parameters(), lr=1e-3))
    return setups


def _cnn_step_case(cfg, name, title, extra=None):
    """One Adam step of CNNS[name] on its batch, on every side; tinynn's numpy kernels in full runs."""
    x, y = cnn_batch(name)
    setups = cnn_setups(name, cfg.torch, numpy_kernels=not cfg.quick)
    sides = {side: step_fn(*setup, tinynn.Tensor(x) if side != "torch" else cfg.torch.from_numpy(x),
                           tinynn.Tensor(y) if side != "torch" else cfg.torch.from_numpy(y))
             for side, setup in setups.items()}
    targets = {"torch": 1.0} if cfg.torch is not None else {}
    if "tinynn_numpy" in sides:
        sides["tinynn_numpy"] = _numpy_backend(sides["tinynn_numpy"])
        targets["tinynn_numpy"] = None
    agreement = first_losses({k: (lambda f=f: _float(f())) for k, f in sides.items()})
    return Case(name, title, sides, targets, agreement=agreement, extra=extra or {}, alone=not cfg.quick)


def mnist(cfg):
    """Workload 5: one Adam step of the H4 CNN on a batch of 200 random 28×28 images."""
    if not available():
        return []
    return [_cnn_step_case(cfg, "mnist", "MNIST CNN (H4) CE Adam step, batch 200",
                           extra={"steps_per_epoch": MNIST_STEPS_PER_EPOCH})]


def phi4(cfg):
    """Workload 6: one Adam step of the φ⁴ CNN on 64 random 16×16 lattices, BCE on logits."""
    if not available():
        return []
    return [_cnn_step_case(cfg, "phi4", "φ⁴ CNN 16×16 circular padding, BCE Adam step, batch 64")]


def conv(cfg):
    """Workload 7: Conv2d 32→64 channels, 3×3, padding 1, on 64 images of 32×32: forward (no graph)
    and forward + backward (input, weight and bias gradients) for a fixed upstream gradient."""
    if not available():
        return []
    s = dict(CONV_SHAPE, batch=2) if cfg.quick else CONV_SHAPE
    rng = np.random.default_rng(4)
    x = rng.standard_normal((s["batch"], s["c_in"], s["size"], s["size"])).astype(np.float32)
    g = rng.standard_normal((s["batch"], s["c_out"], s["size"], s["size"])).astype(np.float32)
    flops = 2 * s["batch"] * s["c_out"] * s["size"] ** 2 * s["c_in"] * s["kernel"] ** 2
    tinynn.manual_seed(0)
    layer = tnn.Conv2d(s["c_in"], s["c_out"], s["kernel"], padding=1)
    xt = tinynn.Tensor(x, requires_grad=True)

    def t_forward():
        with tinynn.no_grad():
            return layer(xt)

    def t_both():
        xt.grad, layer.weight.grad, layer.bias.grad = None, None, None
        layer(xt).backward(g)
        return xt.grad
    fwd, both = {"tinynn": t_forward}, {"tinynn": t_both}
    targets_fwd, targets_both = {}, {}
    if not cfg.quick:
        fwd["tinynn_numpy"], both["tinynn_numpy"] = _numpy_backend(t_forward), _numpy_backend(t_both)
        targets_fwd, targets_both = {"tinynn_numpy": None}, {"tinynn_numpy": None}
    torch = cfg.torch
    if torch is not None:
        tl = copy_to_torch(layer, torch.nn.Conv2d(s["c_in"], s["c_out"], s["kernel"], padding=1), torch)
        xp, gp = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(g)

        def p_forward():
            with torch.no_grad():
                return tl(xp)

        def p_both():
            xp.grad, tl.weight.grad, tl.bias.grad = None, None, None
            tl(xp).backward(gp)
            return xp.grad
        fwd["torch"], both["torch"] = p_forward, p_both
        targets_fwd, targets_both = {"torch": 1.2, **targets_fwd}, {"torch": 1.5, **targets_both}
    agreement = [max(relative_difference(_norm(sides["tinynn"]()), _norm(f())) for f in sides.values())
                 for sides in (fwd, both)]
    name = f"Conv2d {s['batch']}×32→64, 32×32, 3×3 pad 1"
    return [Case("conv_fwd", f"{name}: forward", fwd, targets_fwd, unit="call", flops=flops,
                 agreement=agreement[0]),
            Case("conv_fwdbwd", f"{name}: forward + backward", both, targets_both, unit="call", flops=3 * flops,
                 agreement=agreement[1], alone=not cfg.quick)]


def _norm(t):
    """A summary of an output for the agreement check: its norm (robust to float32 summation order)."""
    data = t.detach().numpy() if hasattr(t, "detach") else t.data
    return float(np.linalg.norm(np.asarray(data, dtype=np.float64)))


BUILDERS = {"mnist": mnist, "phi4": phi4, "conv": conv}
