"""S3.2 — the projection trick on the sheet's data2d.npy / labels.npy (500 points, a disc inside a ring).

(a) A linear model cannot separate a disc from the ring around it: any line leaves parts of the
    ring on both sides. Logistic regression p = σ(wᵀx + b), here a tinynn `nn.Linear(2, 1)` trained
    on the binary cross-entropy, stays near chance.
(b) Add the feature r² = x² + y². In (x, y, r²) the disc sits below the plane r² = R² and the ring
    above it, so the same logistic regression, now on three features, separates them (≈ 99 %).
(c) An MLP with one hidden layer learns the feature by itself: each hidden neuron h_j = σ(w_jᵀx + b_j)
    is a soft step across the line w_jᵀx + b_j = 0; the output neuron adds the steps up and
    thresholds the sum, so it fires only inside the polygon bounded by the hidden lines — with
    enough neurons, a polygon that encloses the disc.

Accuracies are measured on a held-out 30 % of the points (the model never saw them).

    python examples/s3_projection.py [--quick] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.data import Standardizer, train_test_split
from tinynn.datasets import load_projection2d
from tinynn.train import fit, predict

COLORS = np.array(["tab:blue", "tab:red"])  # class 0 (ring), class 1 (disc)


def train_binary(model, x, y, epochs, lr):
    """Full-batch Adam (the whole training set is one batch) on the BCE of the logits model(x)."""
    return fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=lr),
               (x, y[:, None].astype(np.float64)), epochs=epochs, batch_size=len(x), shuffle=False, verbose=0)


def predict_proba(model, x):
    """Probability of class 1 for the rows of x: the sigmoid of the logit."""
    return 1 / (1 + np.exp(-predict(model, x, batch_size=len(x))[:, 0]))


def accuracy(model, x, y):
    return float(np.mean((predict_proba(model, x) > 0.5) == (y == 1)))


def scatter(ax, X, y):
    for c, name in ((0, "class 0 (ring)"), (1, "class 1 (disc)")):
        ax.scatter(*X[y == c].T, s=12, c=COLORS[c], edgecolor="k", linewidth=0.3, label=name)


def boundary_plot(ax, X, y, prob_fn, title):
    """Predicted probability as background, the p = ½ contour, and the data on top."""
    g = np.linspace(-1.6, 1.6, 321)
    gx, gy = np.meshgrid(g, g)
    p = prob_fn(np.stack([gx.ravel(), gy.ravel()], 1)).reshape(gx.shape)
    im = ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.45)
    ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.5)
    scatter(ax, X, y)
    ax.set(xlabel="x", ylabel="y", aspect="equal", xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), title=title)
    return im


def radius_feature(X):
    """(x, y) -> (x, y, x² + y²)."""
    return np.column_stack([X, (X**2).sum(1)])


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    res = Results("s3_projection", args)
    epochs = 1000 if args.quick else 3000
    X, y = load_projection2d()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=args.seed, stratify=y)

    # (a) logistic regression on (x, y)
    scale2 = Standardizer().fit(X_tr)
    lin = nn.Linear(2, 1, dtype=tn.float64)
    train_binary(lin, scale2.transform(X_tr), y_tr, epochs, lr=0.05)
    acc_a = accuracy(lin, scale2.transform(X_te), y_te)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    im = boundary_plot(ax, X, y, lambda p: predict_proba(lin, scale2.transform(p)),
                       f"S3.2a: logistic regression on (x, y)\ntest accuracy {acc_a:.1%}")
    fig.colorbar(im, ax=ax, label="p(class 1)", shrink=0.8)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path_a = res.figure("S3.2a", "linear_boundary")
    fig.savefig(path_a, dpi=110)
    plt.close(fig)
    chance = float(max(np.mean(y_te == 1), np.mean(y_te == 0)))   # always predicting the larger test class
    # the lesson of (a) is checked below, against (b): a line stays near chance where the plane separates

    # (b) logistic regression on (x, y, x² + y²)
    F_tr, F_te = radius_feature(X_tr), radius_feature(X_te)
    scale3 = Standardizer().fit(F_tr)
    lin3 = nn.Linear(3, 1, dtype=tn.float64)
    train_binary(lin3, scale3.transform(F_tr), y_tr, epochs, lr=0.05)
    acc_b = accuracy(lin3, scale3.transform(F_te), y_te)
    # the plane w·((x, y, r²) − μ)/σ + b = 0 solved for r²: a circle of radius √r² when w_x, w_y ≈ 0
    w_std, b_std = lin3.weight.numpy()[0], lin3.bias.numpy()[0]
    w, b = w_std / scale3.scale, b_std - (w_std * scale3.mean / scale3.scale).sum()  # in unscaled features
    r2_boundary = -b / w[2]
    fig = plt.figure(figsize=(11, 5))
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    F = radius_feature(X)
    for c, name in ((0, "class 0 (ring)"), (1, "class 1 (disc)")):
        ax3.scatter(*F[y == c].T, s=8, c=COLORS[c], label=name, depthshade=False)
    gx, gy = np.meshgrid(np.linspace(-1.4, 1.4, 2), np.linspace(-1.4, 1.4, 2))
    ax3.plot_surface(gx, gy, -(b + w[0] * gx + w[1] * gy) / w[2], color="gray", alpha=0.3)
    ax3.set(xlabel="x", ylabel="y", zlabel="x² + y²", title="S3.2b: feature space (x, y, x²+y²)\n"
            "grey: the learned separating plane")
    ax3.view_init(elev=12, azim=-60)
    ax3.set_xticks([-1, 0, 1])
    ax3.set_yticks([-1, 0, 1])
    ax3.set_zticks([0, 0.5, 1, 1.5])
    ax3.tick_params(labelsize=8, pad=1)
    ax3.legend(loc="upper left", fontsize=8)
    ax = fig.add_subplot(1, 2, 2)
    boundary_plot(ax, X, y, lambda p: predict_proba(lin3, scale3.transform(radius_feature(p))),
                  f"the same model in (x, y): boundary r = {np.sqrt(r2_boundary):.3f}\ntest accuracy {acc_b:.1%}")
    fig.tight_layout()
    path_b = res.figure("S3.2b", "feature_space")
    fig.savefig(path_b, dpi=110)
    plt.close(fig)
    r = np.hypot(*X.T)
    gap = (r[y == 1].max(), r[y == 0].min())      # the data's own disc edge and ring edge
    r_b = float(np.sqrt(max(r2_boundary, 0.0)))
    res.add("S3.2a", "logistic regression on (x, y)",
            {"test accuracy": acc_a, "chance (larger class)": chance, "with x²+y² (S3.2b)": acc_b}, [path_a],
            check=acc_a < chance + 0.15 and acc_b - acc_a > 0.3)
    res.add("S3.2b", "logistic regression on (x, y, x²+y²)",
            {"test accuracy": acc_b, "chance": chance, "boundary radius": r_b,
             "disc edge / ring edge in the data": f"{gap[0]:.4f} / {gap[1]:.4f}"}, [path_b],
            check=acc_b >= 0.97 and abs(r_b - np.mean(gap)) < 0.05 * np.mean(gap))

    # (c) one hidden layer: each hidden neuron is a line, the output combines the half-planes
    hidden = 6
    tn.manual_seed(args.seed)   # (c) starts from the same weights however much randomness (a, b) used
    mlp = nn.Sequential(nn.Linear(2, hidden, dtype=tn.float64), nn.Sigmoid(), nn.Linear(hidden, 1, dtype=tn.float64))
    train_binary(mlp, X_tr, y_tr, epochs, lr=0.05)
    acc_c = accuracy(mlp, X_te, y_te)
    W1, b1 = mlp[0].weight.numpy(), mlp[0].bias.numpy()
    dist = np.abs(b1) / np.linalg.norm(W1, axis=1)   # distance of each hidden line from the origin
    fig, ax = plt.subplots(figsize=(6, 5.5))
    boundary_plot(ax, X, y, lambda p: predict_proba(mlp, p),
                  f"S3.2c: MLP 2→{hidden}→1 (sigmoid), test accuracy {acc_c:.1%}\n"
                  "dashed: hidden lines wᵀx + b = 0, width ∝ |output weight|")
    t = np.linspace(-3, 3, 2)
    v = np.abs(mlp[2].weight.numpy()[0])            # how much the output relies on each hidden neuron
    for j, (wj, bj) in enumerate(zip(W1, b1)):
        foot = -bj * wj / (wj @ wj)                 # the point of the line closest to the origin
        along = np.array([-wj[1], wj[0]]) / np.linalg.norm(wj)
        ax.plot(*(foot[:, None] + along[:, None] * t), "--", color=f"C{j % 10}", lw=0.5 + 2 * v[j] / v.max())
    ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6))
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path_c = res.figure("S3.2c", "hidden_lines")
    fig.savefig(path_c, dpi=110)
    plt.close(fig)
    res.add("S3.2c", f"MLP 2→{hidden}→1, hidden lines around the disc",
            {"test accuracy": acc_c, "line distances from origin min/median/max":
             "/".join(f"{d:.2f}" for d in (dist.min(), np.median(dist), dist.max()))},
            [path_c], check=acc_c >= 0.95 and acc_c - acc_a > 0.3 and dist.min() > 0.5 * np.mean(gap))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
