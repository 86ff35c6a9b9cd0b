"""H1 — XOR with an MLP classifier; an MLP regressor on 2-D data and its MSE per epoch (Heidelberg course day).

(a) XOR, X = (0,0), (0,1), (1,0), (1,1) → y = 0, 1, 1, 0, is not linearly separable (one perceptron
    cannot learn it, Minsky & Papert); one hidden layer can. `tinynn.classic.MLPClassifier` takes
    scikit-learn's arguments: hidden_layer_sizes=(4,), activation='tanh', solver='lbfgs' (full-batch
    quasi-Newton, the usual choice for a handful of points).
(b) The course notebook's 2-D data are not available; we fit the smooth surface
    f(x₁, x₂) = sin(2x₁) cos(x₂) + (x₁² − x₂²)/4 on [−2, 2]², observed with Gaussian noise σ = 0.1
    (`tinynn.datasets.make_regression_2d`), with an `MLPRegressor` (two hidden layers of 50 tanh
    units, Adam), and evaluate it on a held-out quarter of the points.
(c) `loss_curve_` is scikit-learn's training loss per epoch: ½·MSE (+ an L2 term, switched off here
    with alpha=0), averaged over the epoch's mini-batches — so 2·loss_curve_ is the training MSE.
    A perfect fit of f would leave MSE = σ² = 0.01, the noise; the test MSE shows how close we get.

    python examples/h_xor_regression.py [--quick | --full] [--out out] [--seed 0]
"""
import sys
import warnings

from _common import Results, parse_args

import matplotlib.pyplot as plt
import numpy as np

from tinynn.classic import LogisticRegression, MLPClassifier, MLPRegressor, mean_squared_error, r2_score
from tinynn.data import train_test_split
from tinynn.datasets import make_regression_2d, regression_function_2d, xor_points


def xor_figure(clf, X, y, path):
    g = np.linspace(-0.5, 1.5, 201)
    gx, gy = np.meshgrid(g, g)
    p = clf.predict_proba(np.stack([gx.ravel(), gy.ravel()], 1))[:, 1].reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    im = ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.5)
    for label, color in ((0, "tab:blue"), (1, "tab:red")):
        ax.scatter(*X[y == label].T, s=160, c=color, edgecolor="k", label=f"y = {label}", zorder=3)
    for (a, b), pa in zip(X, clf.predict_proba(X)[:, 1]):
        ax.annotate(f"p={pa:.2f}", (a, b), textcoords="offset points", xytext=(10, -16), fontsize=9)
    fig.colorbar(im, ax=ax, label="p(y = 1)")
    ax.set(xlabel="x₁", ylabel="x₂", aspect="equal",
           title=f"H1a: XOR with MLPClassifier{clf.hidden_layer_sizes}, {clf.activation}, {clf.solver}")
    ax.legend(loc="center", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def regression_figure(reg, X_tr, path):
    g = np.linspace(-2, 2, 161)
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    truth = regression_function_2d(grid).reshape(gx.shape)
    pred = reg.predict(grid).reshape(gx.shape)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    lo, hi = np.floor(min(truth.min(), pred.min()) * 4) / 4, np.ceil(max(truth.max(), pred.max()) * 4) / 4
    levels = np.linspace(lo, hi, 21)
    for ax, z, title in ((axes[0], truth, "true f(x₁, x₂)"), (axes[1], pred, "MLPRegressor prediction")):
        im = ax.contourf(gx, gy, z, levels=levels, cmap="viridis")
        ax.set(title=title, xlabel="x₁", aspect="equal")
    axes[0].set_ylabel("x₂")
    axes[0].scatter(*X_tr.T, s=4, c="w", alpha=0.6, label="training points")
    axes[0].legend(loc="lower left", fontsize=8)
    fig.colorbar(im, ax=axes[:2], shrink=0.9, format="%.1f", label="f")
    lim = np.ceil(np.abs(pred - truth).max() * 20) / 20
    im = axes[2].contourf(gx, gy, pred - truth, levels=np.linspace(-lim, lim, 21), cmap="RdBu_r")
    axes[2].set(title="prediction − truth", xlabel="x₁", aspect="equal")
    fig.colorbar(im, ax=axes[2], shrink=0.9, format="%.2f")
    fig.suptitle("H1b: MLPRegressor (50, 50) tanh on noisy samples of a smooth 2-D function")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args(__doc__)
    res = Results("h_xor_regression", args)

    # (a) XOR
    X, y = xor_points()
    clf = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", max_iter=1000,
                        random_state=args.seed).fit(X, y)
    pred = clf.predict(X)
    linear = LogisticRegression().fit(X, y)                     # the baseline: no straight line separates XOR
    linear_acc = float(np.mean(linear.predict(X) == y))
    path = res.figure("H1a", "xor")
    xor_figure(clf, X, y, path)
    res.add("H1a", "XOR with MLPClassifier((4,), tanh, lbfgs)",
            {"predictions": " ".join(map(str, pred)),
             "p(y=1)": " ".join(f"{p:.3f}" for p in clf.predict_proba(X)[:, 1]), "iterations": clf.n_iter_,
             "logistic regression accuracy": linear_acc}, [path], check=(pred == y).all() and linear_acc <= 0.75)

    # (b) regression on a smooth surface
    Xr, yr = make_regression_2d(n=500, noise=0.1, seed=args.seed)
    X_tr, X_te, y_tr, y_te = train_test_split(Xr, yr, test_size=0.25, random_state=args.seed)
    reg = MLPRegressor(hidden_layer_sizes=(50, 50), activation="tanh", alpha=0.0, learning_rate_init=0.01,
                       batch_size=32, max_iter=60 if args.quick else 1000, n_iter_no_change=50, tol=1e-6,
                       random_state=args.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # quick mode stops before convergence on purpose
        reg.fit(X_tr, y_tr)
    mse_test = mean_squared_error(y_te, reg.predict(X_te))
    mse_clean = mean_squared_error(regression_function_2d(X_te), reg.predict(X_te))
    mse_mean = float(np.mean((y_te - y_tr.mean()) ** 2))       # the baseline: always the training mean
    path = res.figure("H1b", "regression_surface")
    regression_figure(reg, X_tr, path)
    res.add("H1b", "MLPRegressor (50, 50) tanh on f = sin(2x₁)cos(x₂) + (x₁²−x₂²)/4 + noise 0.1",
            {"test MSE": mse_test, "test R²": r2_score(y_te, reg.predict(X_te)),
             "MSE against the noiseless f": mse_clean, "noise variance": 0.01, "epochs": reg.n_iter_,
             "MSE of the mean predictor": mse_mean},
            [path], check=mse_test < 0.1 * mse_mean and (args.quick or mse_test < 2 * 0.01))  # full: near the noise floor

    # (c) MSE per epoch
    train_mse = 2 * np.array(reg.loss_curve_)
    fig, ax = plt.subplots(figsize=(7, 4.3))
    ax.semilogy(np.arange(1, len(train_mse) + 1), train_mse, label="training MSE = 2 × loss_curve_")
    ax.axhline(mse_test, color="C1", ls="--", label=f"test MSE after training ({mse_test:.4f})")
    ax.axhline(0.01, color="gray", ls=":", label="noise variance σ² = 0.01 (the floor)")
    ax.set(xlabel="epoch", ylabel="mean squared error", title="H1c: MSE vs training epoch (Adam, batch 32)")
    ax.legend()
    ax.grid(alpha=0.3, which="both", lw=0.4)
    fig.tight_layout()
    path = res.figure("H1c", "mse_vs_epoch")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    res.add("H1c", "training MSE per epoch",
            {"MSE epoch 1": float(train_mse[0]), "MSE last epoch": float(train_mse[-1]), "epochs": len(train_mse),
             "variance of the training targets": float(y_tr.var())},
            [path], check=train_mse[-1] < 0.2 * train_mse[0] and train_mse[-1] < 0.1 * y_tr.var())
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
