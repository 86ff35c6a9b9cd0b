"""H-slides — activation functions, and overtraining cured by regularisation (Heidelberg course day, slides).

Activations. σ(x) = 1/(1+e⁻ˣ), tanh x, ReLU max(0, x), leaky ReLU max(0.1x, x), ELU (x for x ≥ 0,
α(eˣ−1) below, α = 1) and maxout max(w₁x + b₁, w₂x + b₂), here with two fixed pieces. Their
derivatives are not typed in: each curve f is evaluated on a tensor x with requires_grad=True and
f'(x) is read off x.grad after f(x).sum().backward() (the sum's gradient is 1 per element, so
x.grad holds f'(xᵢ) elementwise). They are checked against the textbook formulas σ' = σ(1−σ),
tanh' = 1 − tanh², ReLU' = step, … The plot shows the slides' points: σ and tanh saturate (f' → 0 for
large |x|, "saturated neurons kill the gradients"), σ is not zero-centred, ReLU does not saturate
for x > 0 but has zero gradient for x < 0, which leaky ReLU and ELU repair.

Overtraining. A much too large network (2 → 200 → 200 → 1, ReLU, 40 401 parameters) on 40 noisy
"moons" points: the training loss falls towards 0 while the loss on 2000 fresh points from the same
distribution reaches a minimum after a few epochs and then rises — the net memorises the noise.
Regularisation adds a preference for simple functions: an L2 penalty λ‖θ‖² (here as the optimiser's
weight decay), an L1 penalty λΣ|W| (pushes weights to exactly 0), or dropout (each hidden unit is
dropped with probability p during training, so units cannot co-adapt). Each ends with a lower
validation loss than the unregularised net; L2 and L1 hold it near its minimum, dropout only slows
the memorising of 40 points. Losses are the BCE alone (no penalty term) in every curve.

    python examples/h_slides.py [--quick | --full] [--out out] [--seed 0]
"""
import sys

from _common import Results, parse_args

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from tinynn.datasets import make_moons
from tinynn.train import LambdaCallback, evaluate, fit


def maxout_unit():
    """A 1 → 1 Maxout with two fixed pieces: max(x, −0.5x − 0.5)."""
    m = nn.Maxout(1, 1, pieces=2, dtype=tn.float64)
    m.weight.data[:] = [[1.0], [-0.5]]
    m.bias.data[:] = [0.0, -0.5]
    return m


def activations():
    """name -> (f as a tensor function, f' from the textbook formula in numpy)."""
    sig = lambda x: 1 / (1 + np.exp(-x))                                    # noqa: E731
    mx = maxout_unit()
    return {
        "sigmoid σ(x)": (lambda t: t.sigmoid(), lambda x: sig(x) * (1 - sig(x))),
        "tanh(x)": (lambda t: t.tanh(), lambda x: 1 - np.tanh(x) ** 2),
        "ReLU max(0, x)": (lambda t: t.relu(), lambda x: (x > 0).astype(float)),
        "leaky ReLU max(0.1x, x)": (lambda t: t.leaky_relu(0.1), lambda x: np.where(x > 0, 1.0, 0.1)),
        "ELU (α = 1)": (lambda t: t.elu(1.0), lambda x: np.where(x > 0, 1.0, np.exp(x))),
        "maxout max(x, −0.5x − 0.5)": (lambda t: mx(t.reshape(-1, 1)).reshape(-1),
                                       lambda x: np.where(x > -1 / 3, 1.0, -0.5)),
    }


def activation_figure(path):
    """f and autodiff f' for each activation; returns the largest |autodiff − formula| per activation."""
    x_np = np.linspace(-5, 5, 1000)                   # an even count: no point exactly on a kink
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.6), sharex=True)
    worst = {}
    for ax, (name, (f, df)) in zip(axes.ravel(), activations().items()):
        x = tn.tensor(x_np, dtype=tn.float64, requires_grad=True)
        y = f(x)
        y.sum().backward()
        grad = x.grad
        worst[name.split(" (")[0].split(" max")[0].split(" σ")[0].replace("(x)", "")] = \
            float(np.max(np.abs(grad - df(x_np))))
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.plot(x_np, y.data, lw=2.2, label="f(x)")
        ax.plot(x_np, grad, "--", lw=2, label="f'(x) by autodiff")
        ax.set(title=name, ylim=(-1.6, 2.6))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=9)
    for ax in axes[1]:
        ax.set_xlabel("x")
    fig.suptitle("H-slides: activation functions and their derivatives (backpropagated through tinynn)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return worst


def big_net(p_drop):
    layers = [nn.Linear(2, 200), nn.ReLU()]
    if p_drop:
        layers.append(nn.Dropout(p_drop))
    layers += [nn.Linear(200, 200), nn.ReLU()]
    if p_drop:
        layers.append(nn.Dropout(p_drop))
    return nn.Sequential(*layers, nn.Linear(200, 1))


def train_variant(train, val, epochs, seed, weight_decay=0.0, l1=0.0, p_drop=0.0):
    """Full-batch Adam (lr 3e-3); returns the model and the per-epoch BCE on train and validation."""
    tn.manual_seed(seed)
    model = big_net(p_drop)
    bce = nn.BCEWithLogitsLoss()
    loss = (lambda out, t: bce(out, t) + l1 * nn.l1_penalty(model, weights_only=True)) if l1 else bce
    curves = {"train": [], "val": []}

    def record(epoch, logs):
        curves["train"].append(evaluate(model, bce, train, batch_size=len(train[0])))
        curves["val"].append(evaluate(model, bce, val, batch_size=len(val[0])))

    fit(model, loss, optim.Adam(model.parameters(), lr=3e-3, weight_decay=weight_decay), train, epochs=epochs,
        batch_size=len(train[0]), verbose=0, callbacks=[LambdaCallback(on_epoch_end=record)], generator=seed)
    return model, {k: np.array(v) for k, v in curves.items()}


def overtraining_figure(results, train, path):
    names = list(results)
    fig, axes = plt.subplots(2, len(names), figsize=(3.7 * len(names), 7.4))
    g = np.linspace(-2, 3, 201)
    gx, gy = np.meshgrid(g, np.linspace(-1.6, 2.1, 161))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    X, y = train
    every = np.concatenate([c[k] for _, c in results.values() for k in ("train", "val")])
    ylim = (every.min() / 1.5, every.max() * 1.5)             # the same data-driven range in every panel
    for j, name in enumerate(names):
        model, curves = results[name]
        ax = axes[0, j]
        epochs = np.arange(1, len(curves["train"]) + 1)
        ax.semilogy(epochs, curves["train"], label="training (40 points)")
        ax.semilogy(epochs, curves["val"], label="validation (2000 points)")
        best = int(np.argmin(curves["val"]))
        ax.plot(best + 1, curves["val"][best], "k*", ms=10, label=f"val. minimum (epoch {best + 1})")
        ax.set(title=f"{name}\nfinal val. BCE {curves['val'][-1]:.3f}", xlabel="epoch", ylim=ylim)
        if j == 0:
            ax.set_ylabel("BCE loss (no penalty term)")
            ax.legend(fontsize=8, loc="lower left")
        ax.grid(alpha=0.3, which="both", lw=0.4)
        model.eval()
        with tn.no_grad():
            p = model(tn.tensor(grid)).sigmoid().numpy().reshape(gx.shape)
        ax = axes[1, j]
        ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
        ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.5)
        ax.scatter(*X[y[:, 0] == 0].T, c="tab:blue", edgecolor="k", s=25)
        ax.scatter(*X[y[:, 0] == 1].T, c="tab:red", edgecolor="k", s=25)
        ax.set(xlabel="x₁", ylabel="x₂" if j == 0 else None, title="p(class 1) after the last epoch")
    fig.suptitle("H-slides: overtraining of a 2→200→200→1 net on 40 points, and three regularisers", fontsize=13)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args(__doc__)
    res = Results("h_slides", args)

    path = res.figure("H-slides", "activations")
    worst = activation_figure(path)
    res.add("H-slides", "activations and autodiff derivatives; max |autodiff − formula|", worst, [path],
            check=max(worst.values()) < 1e-12)

    epochs = 200 if args.quick else 1000
    Xtr, ytr = make_moons(40, noise=0.35, seed=args.seed)
    Xva, yva = make_moons(2000, noise=0.35, seed=args.seed + 1)
    train = (Xtr.astype(np.float32), ytr[:, None].astype(np.float32))
    val = (Xva.astype(np.float32), yva[:, None].astype(np.float32))
    variants = {"no regularisation": {}, "L2, weight decay λ = 0.01": dict(weight_decay=1e-2),
                "L1, λ = 0.003": dict(l1=3e-3), "dropout p = 0.5": dict(p_drop=0.5)}
    results = {name: train_variant(train, val, epochs, args.seed, **kw) for name, kw in variants.items()}
    path = res.figure("H-slides", "overtraining")
    overtraining_figure(results, train, path)
    plain = results["no regularisation"][1]
    numbers = {"no reg.: min val BCE": float(plain["val"].min()),
               "no reg.: epoch of min": int(plain["val"].argmin()) + 1,
               "no reg.: final val BCE": float(plain["val"][-1]), "no reg.: final train BCE": float(plain["train"][-1])}
    for name, (_, curves) in list(results.items())[1:]:
        numbers[f"{name.split(',')[0]}: final val BCE"] = float(curves["val"][-1])
    overtrained = plain["val"][-1] > 2 * plain["val"].min() and plain["train"][-1] < plain["val"].min()
    cured = all(curves["val"][-1] < plain["val"][-1] for _, curves in list(results.values())[1:])
    res.add("H-slides-reg", f"overtraining ({epochs} epochs) and L2 / L1 / dropout", numbers, [path],
            check=overtrained and cured)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
