"""S3.1 — the logistic sigmoid: its derivative, tanh as a rescaled sigmoid, and a four-point classifier.

(a) σ(x) = 1/(1+e^-x)  ⇒  σ'(x) = e^-x/(1+e^-x)² = σ(x)·(1−σ(x)).
    Checked three ways on a grid: tinynn's autodiff (Tensor.sigmoid + backward), central finite
    differences of σ, and the closed form σ(1−σ).
(b) tanh(x) = (e^x − e^-x)/(e^x + e^-x) = (1 − e^-2x)/(1 + e^-2x) = 2/(1+e^-2x) − 1 = 2σ(2x) − 1:
    tanh is σ stretched by 2 in x, by 2 in y, shifted down by 1. Use σ where an output must be a
    probability in (0, 1) (the last layer of a binary classifier); use tanh in hidden layers, where its
    zero-centred output and steeper slope (tanh'(0) = 1 vs σ'(0) = 1/4) help the next layer learn.
(c) Class 1 = (1,1), (2,2) lies on the line x₂ = x₁; class 2 = (1,2), (2,3) on the parallel line
    x₂ = x₁ + 1. The mid line x₂ = x₁ + ½ separates them, so W = k·(1, −1), b = k/2 for any k > 0:
    Wᵀx + b = k(x₁ − x₂ + ½) is +k/2 on class 1 and −k/2 on class 2; a = σ(±k/2) → 1 / 0 as k grows.
    We also *train* one logistic unit σ(Wᵀx + b) with the binary cross-entropy and compare.

    python examples/s3_sigmoid.py [--quick] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.train import evaluate, fit, predict

POINTS = np.array([[1.0, 1.0], [2.0, 2.0], [1.0, 2.0], [2.0, 3.0]])
LABELS = np.array([1.0, 1.0, 0.0, 0.0])  # class 1 -> 1, class 2 -> 0


def sigmoid_np(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(res, x):
    """S3.1a: σ' from autodiff, from finite differences and from σ(1−σ); returns the max deviations."""
    t = tn.tensor(x, dtype=tn.float64, requires_grad=True)
    t.sigmoid().sum().backward()          # d(Σσ(x_i))/dx_i = σ'(x_i): one backward gives the whole curve
    autodiff = t.grad
    h = 1e-5
    finite = (sigmoid_np(x + h) - sigmoid_np(x - h)) / (2 * h)
    s = sigmoid_np(x)
    closed = s * (1 - s)
    err_ad, err_fd = np.abs(autodiff - closed).max(), np.abs(finite - closed).max()

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
    ax.plot(x, s, label="σ(x)")
    ax.plot(x, closed, lw=3, alpha=0.4, label="σ(1−σ) (closed form)")
    ax.plot(x, autodiff, "--", label="σ' by autodiff")
    ax.plot(x[::20], finite[::20], "k.", label="σ' by finite differences")
    ax.set(xlabel="x", title="S3.1a: σ' = σ(1−σ)")
    ax.legend()
    floor = 1e-18  # exact agreement (deviation 0) is drawn at this floor of the log axis
    bx.semilogy(x, np.maximum(np.abs(autodiff - closed), floor), label="|autodiff − σ(1−σ)|")
    bx.semilogy(x, np.maximum(np.abs(finite - closed), floor), label="|finite diff. (h=1e-5) − σ(1−σ)|")
    bx.set(xlabel="x", ylabel="absolute deviation (0 drawn at 1e-18)",
           title="deviation from the closed form (float64)")
    bx.legend()
    fig.tight_layout()
    path = res.figure("S3.1a", "sigmoid_derivative")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    res.add("S3.1a", "σ' by autodiff and finite differences vs σ(1−σ)",
            {"max|autodiff-closed|": err_ad, "max|finite-closed|": err_fd}, [path],
            check=err_ad < 1e-12 and err_fd < 1e-9)


def tanh_identity(res, x):
    """S3.1b: tanh(x) = 2σ(2x) − 1, with tinynn's tanh and sigmoid ops."""
    t = tn.tensor(x, dtype=tn.float64)
    tanh, rescaled = t.tanh().numpy(), (2 * (2 * t).sigmoid() - 1).numpy()
    dev = np.abs(tanh - rescaled).max()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(x, sigmoid_np(x), label="σ(x)")
    ax.plot(x, tanh, lw=4, alpha=0.4, label="tanh(x)")
    ax.plot(x, rescaled, "k--", label="2σ(2x) − 1")
    ax.axhline(0, color="gray", lw=0.5)
    ax.set(xlabel="x", title=f"S3.1b: tanh(x) = 2σ(2x) − 1 (max dev. {dev:.1e})")
    ax.legend()
    fig.tight_layout()
    path = res.figure("S3.1b", "tanh_vs_sigmoid")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    res.add("S3.1b", "tanh(x) vs 2σ(2x)−1", {"max deviation": dev}, [path], check=dev < 1e-14)


def four_points(res, epochs):
    """S3.1c: one logistic unit trained with BCE, and the analytic W = k(1,−1), b = k/2."""
    # analytic: the mid line between the two class lines x2 = x1 (class 1) and x2 = x1 + 1 (class 2)
    offset1 = np.mean(POINTS[LABELS == 1, 1] - POINTS[LABELS == 1, 0])  # 0
    offset2 = np.mean(POINTS[LABELS == 0, 1] - POINTS[LABELS == 0, 0])  # 1
    k = 10.0
    w_analytic, b_analytic = k * np.array([1.0, -1.0]), k * (offset1 + offset2) / 2
    a_analytic = sigmoid_np(POINTS @ w_analytic + b_analytic)

    unit = nn.Linear(2, 1, dtype=tn.float64)   # a = σ(Wᵀx + b): the sigmoid sits inside the loss
    loss_fn = nn.BCEWithLogitsLoss()
    fit(unit, loss_fn, optim.Adam(unit.parameters(), lr=0.1), (POINTS, LABELS[:, None]), epochs=epochs,
        batch_size=len(POINTS), verbose=0)
    final_loss = evaluate(unit, loss_fn, (POINTS, LABELS[:, None]))
    a_trained = sigmoid_np(predict(unit, POINTS)[:, 0])
    w, b = unit.weight.numpy()[0], unit.bias.numpy()[0]
    correct_trained = int(((a_trained > 0.5) == (LABELS == 1)).sum())
    correct_analytic = int(((a_analytic > 0.5) == (LABELS == 1)).sum())

    fig, ax = plt.subplots(figsize=(5.5, 5))
    g = np.linspace(0, 3.5, 351)
    gx, gy = np.meshgrid(g, g)
    grid = tn.tensor(np.stack([gx.ravel(), gy.ravel()], 1))
    with tn.no_grad():
        act = unit(grid).sigmoid().numpy().reshape(gx.shape)
    im = ax.contourf(gx, gy, act, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    fig.colorbar(im, ax=ax, label="trained a = σ(Wᵀx + b)")
    ax.contour(gx, gy, act, levels=[0.5], colors="k")
    ax.plot(g, g + (offset1 + offset2) / 2, "g--", label="analytic boundary x₂ = x₁ + ½")
    ax.plot([], [], "k-", label="trained boundary a = ½")
    ax.scatter(*POINTS[LABELS == 1].T, s=90, c="red", edgecolor="k", label="class 1", zorder=3)
    ax.scatter(*POINTS[LABELS == 0].T, s=90, c="blue", marker="s", edgecolor="k", label="class 2", zorder=3)
    ax.set(xlabel="x₁", ylabel="x₂", xlim=(0, 3.5), ylim=(0, 3.5), aspect="equal", title="S3.1c: one logistic unit")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = res.figure("S3.1c", "four_points")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"    trained W = {w}, b = {b:.4f}, a = {np.round(a_trained, 4)}")
    print(f"    analytic W = {w_analytic}, b = {b_analytic}, a = {np.round(a_analytic, 4)}")
    res.add("S3.1c", "logistic unit separating (1,1),(2,2) from (1,2),(2,3)",
            {"trained W": np.round(w, 3).tolist(), "trained b": float(b), "final BCE": final_loss,
             "BCE of a = ½ (ln 2)": float(np.log(2)), "correct (trained)": f"{correct_trained}/4", "analytic W": w_analytic.tolist(),
             "analytic b": b_analytic, "correct (analytic)": f"{correct_analytic}/4"},
            [path], check=correct_trained == 4 and correct_analytic == 4 and final_loss < 0.1 * np.log(2))


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    res = Results("s3_sigmoid", args)
    x = np.linspace(-8, 8, 801)
    sigmoid_derivative(res, x)
    tanh_identity(res, x)
    four_points(res, epochs=200 if args.quick else 2000)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
