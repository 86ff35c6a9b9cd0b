"""Quick convolution benchmark: tinynn against PyTorch in one process, interleaved, medians and ratios.

    python benchmarks/bench_conv.py [--threads 1] [--rounds 9] [--cpu] [--only mnist,phi4,conv,layers]

Workloads (float32, identical weights and data on both sides):
  mnist   Keras H4 CNN training step, batch 200: Conv 1→8 3×3, ReLU, MaxPool 2, Dense 1352→16 ReLU,
          Dense 10, softmax cross-entropy, Adam
  phi4    S5.2 CNN training step, batch 64 of 16×16 lattices: Conv 1→8 and 8→16 3×3 circular padding,
          ReLU, global average pool, Linear 16→1, BCE with logits, Adam
  conv    Conv2d 64×32→64 channels, 32×32, 3×3, padding 1: forward (no graph) and forward+backward,
          tinynn's default (Winograd here) and its im2col path
  layers  the single convolution and pooling layers of mnist and phi4, forward+backward, per backend
Thread counts are set equal for BLAS (threadpoolctl), numba and torch (--threads).
--cpu measures process CPU time instead of wall time: steadier on a shared machine, but it also
counts threads that spin while waiting, so use it with --threads 1.
PyTorch is only needed here (pip install torch); without it the tinynn times are printed alone.
"""
import argparse
import os
import sys
import time

ARGS = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ARGS.add_argument("--threads", type=int, default=2)
ARGS.add_argument("--rounds", type=int, default=9, help="interleaved samples per side (median reported)")
ARGS.add_argument("--cpu", action="store_true", help="process CPU time instead of wall-clock time")
ARGS.add_argument("--only", default="mnist,phi4,conv,layers")
OPTIONS = ARGS.parse_args()

import numba  # noqa: E402
import numpy as np  # noqa: E402
import threadpoolctl  # noqa: E402

import tinynn  # noqa: E402
import tinynn.nn as tnn  # noqa: E402
import tinynn.optim as toptim  # noqa: E402
from tinynn.kernels import conv as kernels_conv  # noqa: E402
from tinynn.kernels import use_backend  # noqa: E402
from tinynn.kernels.malloc import keep_freed_memory  # noqa: E402

keep_freed_memory()   # the opt-in malloc setting (tinynn/kernels/malloc.py), for tinynn and torch alike

try:
    import torch
    torch.set_num_threads(OPTIONS.threads)
except ImportError:
    torch = None
numba.set_num_threads(min(OPTIONS.threads, numba.config.NUMBA_NUM_THREADS))
_BLAS_LIMIT = threadpoolctl.threadpool_limits(OPTIONS.threads)   # every BLAS/OpenMP pool loaded so far
CLOCK = time.process_time if OPTIONS.cpu else time.perf_counter


def measure(sides, rounds=OPTIONS.rounds, sample_seconds=0.2):
    """{name: median seconds per call}; every round runs each side for ~sample_seconds, order alternating."""
    for fn in sides.values():
        fn()
        fn()
    wait = getattr(tinynn.kernels, "wait_for_numba", None)    # 'auto' runs numpy until numba has loaded
    if wait is not None:
        wait(600)
    calls = {}
    for name, fn in sides.items():
        start, n = CLOCK(), 0
        while CLOCK() - start < sample_seconds / 4 or n < 1:
            fn()
            n += 1
        calls[name] = max(1, int(n * sample_seconds / max(CLOCK() - start, 1e-9) / 4))
    samples = {name: [] for name in sides}
    for r in range(rounds):
        for name in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
            start = CLOCK()
            for _ in range(calls[name]):
                sides[name]()
            samples[name].append((CLOCK() - start) / calls[name])
    return {name: float(np.median(s)) for name, s in samples.items()}


def report(title, times, base="torch", flops=None):
    print(f"\n{title}")
    for name, sec in times.items():
        ratio = f"{sec / times[base]:6.2f}x {base}" if base in times and name != base else ""
        rate = f"{flops / sec / 1e9:7.1f} GFLOP/s" if flops else ""
        print(f"  {name:<22s} {sec * 1e3:9.3f} ms  {ratio:>14s} {rate}")


def mnist_cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(13 * 13 * 8, 16), nn.ReLU(), nn.Linear(16, 10))


def phi4_cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 1))


def training_step(lib, model, loss_fn, x, y):
    opt = (toptim if lib is tinynn else torch.optim).Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def step_sides(build, x, y, loss):
    """tinynn and torch training steps of the same model, weights copied from tinynn to torch."""
    tinynn.manual_seed(0)
    model = build(tnn)
    loss_fn = tnn.CrossEntropyLoss() if loss == "ce" else tnn.BCEWithLogitsLoss()
    sides = {"tinynn": training_step(tinynn, model, loss_fn, tinynn.Tensor(x), tinynn.Tensor(y))}
    if torch is not None:
        tmodel = build(torch.nn)
        tmodel.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
        tloss = torch.nn.CrossEntropyLoss() if loss == "ce" else torch.nn.BCEWithLogitsLoss()
        sides["torch"] = training_step(torch, tmodel, tloss, torch.from_numpy(x), torch.from_numpy(y))
        losses = [float(sides[k]().item()) for k in ("tinynn", "torch")]
        assert abs(losses[0] - losses[1]) < 1e-4 * max(1, abs(losses[1])), f"first losses differ: {losses}"
    return sides


def bench_mnist():
    rng = np.random.default_rng(2)
    x, y = rng.random((200, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 200)
    report("MNIST CNN (Keras H4) training step, batch 200", measure(step_sides(mnist_cnn, x, y, "ce")))


def bench_phi4():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 1, 16, 16)).astype(np.float32)
    y = rng.integers(0, 2, (64, 1)).astype(np.float32)
    report("phi4 CNN training step, batch 64, 16x16 circular", measure(step_sides(phi4_cnn, x, y, "bce")))


def layer_sides(make, x_shape, need_x):
    """Forward+backward of one layer, tinynn per backend and torch; make(nn) builds the layer."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape).astype(np.float32)
    tinynn.manual_seed(0)
    layer = make(tnn)
    xt = tinynn.Tensor(x, requires_grad=need_x)
    g = rng.standard_normal(layer(xt).shape).astype(np.float32)
    sides = {}
    for backend in ("numba", "numpy"):
        def run(backend=backend):
            with use_backend(backend):
                layer(xt).backward(g)
        sides[f"tinynn {backend}"] = run
    if torch is not None:
        tlayer = make(torch.nn)
        if list(layer.state_dict()):
            tlayer.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in layer.state_dict().items()})
        xp, gp = torch.from_numpy(x).requires_grad_(need_x), torch.from_numpy(g)
        sides["torch"] = lambda: tlayer(xp).backward(gp)
    return sides


def bench_layers():
    layers = [("mnist conv 1→8 28x28 b200 (no dx)", lambda nn: nn.Conv2d(1, 8, 3), (200, 1, 28, 28), False),
              ("mnist maxpool 2 on 8x26x26 b200", lambda nn: nn.MaxPool2d(2), (200, 8, 26, 26), True),
              ("phi4 conv 1→8 circular b64 (no dx)",
               lambda nn: nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), (64, 1, 16, 16), False),
              ("phi4 conv 8→16 circular b64",
               lambda nn: nn.Conv2d(8, 16, 3, padding=1, padding_mode="circular"), (64, 8, 16, 16), True)]
    for title, make, shape, need_x in layers:
        report(f"layer: {title}, forward+backward", measure(layer_sides(make, shape, need_x), rounds=5))


def im2col(fn):
    """fn with tinynn's Winograd path switched off (every convolution on im2col)."""
    def run():
        saved, kernels_conv.WINOGRAD_MIN_CHANNELS = kernels_conv.WINOGRAD_MIN_CHANNELS, float("inf")
        try:
            return fn()
        finally:
            kernels_conv.WINOGRAD_MIN_CHANNELS = saved
    return run


def bench_conv():
    n, c_in, c_out, size = 64, 32, 64, 32
    rng = np.random.default_rng(4)
    x = rng.standard_normal((n, c_in, size, size)).astype(np.float32)
    g = rng.standard_normal((n, c_out, size, size)).astype(np.float32)
    flops = 2 * n * c_out * size * size * c_in * 9
    tinynn.manual_seed(0)
    layer = tnn.Conv2d(c_in, c_out, 3, padding=1)
    xt = tinynn.Tensor(x, requires_grad=True)

    def t_forward():
        with tinynn.no_grad():
            return layer(xt)

    def t_both():
        xt.grad = layer.weight.grad = layer.bias.grad = None
        layer(xt).backward(g)
    fwd = {"tinynn": t_forward, "tinynn im2col": im2col(t_forward)}
    both = {"tinynn": t_both, "tinynn im2col": im2col(t_both)}
    a = rng.standard_normal((64, 288)).astype(np.float32)
    b = rng.standard_normal((288, n * size * size)).astype(np.float32)
    fwd["numpy GEMM same size"] = lambda: a @ b
    if torch is not None:
        tl = torch.nn.Conv2d(c_in, c_out, 3, padding=1)
        tl.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in layer.state_dict().items()})
        xp, gp = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(g)

        def p_forward():
            with torch.no_grad():
                return tl(xp)

        def p_both():
            xp.grad = tl.weight.grad = tl.bias.grad = None
            tl(xp).backward(gp)
        fwd["torch"], both["torch"] = p_forward, p_both
        diff = np.abs(t_forward().data - p_forward().numpy()).max()
        assert diff < 1e-3, f"outputs differ by {diff}"
    report("Conv2d 64x32->64, 32x32, 3x3 pad 1: forward", measure(fwd, rounds=7), flops=flops)
    report("Conv2d 64x32->64, 32x32, 3x3 pad 1: forward + backward", measure(both, rounds=7), flops=3 * flops)


if __name__ == "__main__":
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  threads={OPTIONS.threads}  clock={'cpu' if OPTIONS.cpu else 'wall'}"
          f"  torch={torch.__version__ if torch else 'not installed'}  load={os.getloadavg()[0]:.1f}  "
          f"python {sys.version.split()[0]}, numpy {np.__version__}")
    for part in OPTIONS.only.split(","):
        {"mnist": bench_mnist, "phi4": bench_phi4, "conv": bench_conv, "layers": bench_layers}[part]()
