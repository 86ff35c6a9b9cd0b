"""R1.1 — a first classifier: is the force between two charges q₁, q₂ attractive? (Ruehle, problem set 1)

(a) The training set is every integer pair −5 ≤ q₁, q₂ ≤ 5 (121 points), label 1 = "attractive"
    where sign(q₁) ≠ sign(q₂). For a zero charge the formula depends on what sign(0) means; we
    use the physics: a neutral particle feels no force, so any pair with a zero is "not attractive"
    (label 0). Read literally with sign(0) = 0, the 20 pairs (0, q ≠ 0) would count as attractive.
(b) 2 → 10 → 10 → 1 with tanh hidden units and a sigmoid output has
    (2·10 + 10) + (10·10 + 10) + (10·1 + 1) = 30 + 110 + 11 = 151 parameters.
(c) Plain SGD, batch size 1, binary cross-entropy, 100 epochs. The sheet's text says learning
    rate 0.0001 and its code 0.01: with 0.0001 the 12,100 small steps move the weights by almost
    nothing, the output stays near its starting value and the classifier is barely better than
    "always 0"; with 0.01 it learns the quadrant pattern.
(d) The output ŷ(q₁, q₂) as a 3-D surface and thresholded at 0.5, after 1, 5, 10 and 100 epochs:
    the boundary starts as one tilted line and bends into the two axes.
(e) Three classes — attractive (q₁q₂ < 0), neutral (q₁q₂ = 0), repulsive (q₁q₂ > 0) — with three
    output units, softmax and cross-entropy (nn.CrossEntropyLoss takes the logits and applies the
    softmax itself). The neutral class is only the two axes, a thin cross the network must carve out:
    after 10-20 epochs it is still never predicted, after 30-40 it is (quick mode trains (e) 40 epochs).

Following the sheet, everything is evaluated on the training points themselves (there is nothing else).

    python examples/r1_charges.py [--quick | --full] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.datasets import charges_grid
from tinynn.train import LambdaCallback, fit

GRID = np.linspace(-5.5, 5.5, 89)          # fine grid for the surfaces and maps


def make_net(n_out):
    """2 → 10 → 10 → n_out, tanh hidden units; a sigmoid output for one unit, logits for more."""
    layers = [nn.Linear(2, 10), nn.Tanh(), nn.Linear(10, 10), nn.Tanh(), nn.Linear(10, n_out)]
    return nn.Sequential(*layers, nn.Sigmoid()) if n_out == 1 else nn.Sequential(*layers)


def outputs_on_grid(model):
    """Model output on the GRID×GRID plane: (len, len) for one output unit, (len, len, K) otherwise."""
    q1, q2 = np.meshgrid(GRID, GRID, indexing="ij")
    with tn.no_grad():
        out = model(tn.tensor(np.stack([q1.ravel(), q2.ravel()], 1).astype(np.float32))).numpy()
    return out.reshape(len(GRID), len(GRID), -1).squeeze(-1) if out.shape[1] == 1 else \
        out.reshape(len(GRID), len(GRID), -1)


def train(X, y, n_out, lr, epochs, snapshots, seed):
    """SGD with batch size 1 for `epochs` passes; returns the model, its history and the grid outputs
    (and training-set predictions) after each epoch listed in `snapshots`."""
    tn.manual_seed(seed)
    model = make_net(n_out)
    loss = nn.BCELoss() if n_out == 1 else nn.CrossEntropyLoss()
    target = y[:, None].astype(np.float32) if n_out == 1 else y
    seen = {}

    def snapshot(epoch, logs):
        if epoch + 1 in snapshots:
            with tn.no_grad():
                train_out = model(tn.tensor(X.astype(np.float32))).numpy()
            seen[epoch + 1] = (outputs_on_grid(model), train_out, logs["loss"])

    history = fit(model, loss, optim.SGD(model.parameters(), lr=lr), (X.astype(np.float32), target),
                  epochs=epochs, batch_size=1, metrics=["accuracy"], verbose=0,
                  callbacks=[LambdaCallback(on_epoch_end=snapshot)], generator=seed)
    return model, history, seen


def binary_accuracy(train_out, y):
    return float(np.mean((train_out[:, 0] > 0.5) == (y == 1)))


def check_learning_rates(acc_small, acc_big, spread_small, always_0):
    """R1.1c's lesson: lr 1e-2 learns (accuracy at least halfway from always-0 to perfect), lr 1e-4
    has barely moved (within 10 points of always-0, ŷ spanning less than half of [0, 1])."""
    return acc_big >= (1 + always_0) / 2 and acc_small <= always_0 + 0.1 and spread_small < 0.5


def check_three_classes(pred, y):
    """R1.1e's lesson: all three classes are learned — every class (the thin neutral cross included)
    is recognised at least half of the time, and the accuracy is at least halfway from always
    answering the most frequent class to perfect. A net that ignores the neutral class fails."""
    majority = np.bincount(y).max() / len(y)
    recall = [np.mean(pred[y == k] == k) for k in np.unique(y)]
    return bool(min(recall) >= 0.5 and np.mean(pred == y) >= (1 + majority) / 2)


def plot_binary_evolution(X, y, seen, lr, path):
    """Top: 3-D surfaces of ŷ; bottom: ŷ > 0.5 with the training labels, one column per snapshot."""
    epochs = sorted(seen)
    fig = plt.figure(figsize=(3.6 * len(epochs), 7.9))
    q1, q2 = np.meshgrid(GRID, GRID, indexing="ij")
    for j, e in enumerate(epochs):
        surface, train_out, loss = seen[e]
        ax = fig.add_subplot(2, len(epochs), j + 1, projection="3d")
        ax.plot_surface(q1, q2, surface, cmap="coolwarm", vmin=0, vmax=1, linewidth=0, antialiased=True)
        ax.scatter(X[:, 0], X[:, 1], y, c=np.where(y == 1, "darkred", "navy"), s=4, depthshade=False)
        ax.set(xlabel="q₁", ylabel="q₂", zlim=(0, 1), xticks=[-5, 0, 5], yticks=[-5, 0, 5], zticks=[0, 0.5, 1],
               title=f"after {e} epoch{'s' * (e > 1)}\nBCE {loss:.3f}")
        ax.set_zlabel("ŷ", labelpad=6)
        ax.view_init(elev=28, azim=-55)
        ax2 = fig.add_subplot(2, len(epochs), len(epochs) + j + 1)
        ax2.pcolormesh(GRID, GRID, (surface > 0.5).T.astype(float), cmap="coolwarm", vmin=-0.3, vmax=1.3,
                       shading="nearest")
        wrong = (train_out[:, 0] > 0.5) != (y == 1)
        for label, marker, name in ((1, "o", "attractive (1)"), (0, "s", "not attractive (0)")):
            sel = y == label
            ax2.scatter(X[sel, 0], X[sel, 1], marker=marker, s=14, c="white" if label else "black",
                        edgecolor="k", linewidth=0.5, label=name)
        ax2.scatter(X[wrong, 0], X[wrong, 1], marker="o", s=120, facecolors="none", edgecolors="yellow",
                    linewidth=2.2, label="misclassified (ringed)")
        ax2.set(xlabel="q₁", ylabel="q₂", aspect="equal",
                title=f"ŷ > 0.5 (red) — accuracy {binary_accuracy(train_out, y):.1%}")
        if j == 0:
            fig.legend(*ax2.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=10,
                       frameon=False)
    fig.suptitle(f"R1.1d: 2→10→10→1 (tanh, sigmoid), SGD batch 1, lr = {lr:g}", fontsize=13)
    fig.subplots_adjust(left=0.05, right=0.96, top=0.89, bottom=0.13, hspace=0.35, wspace=0.25)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_lr_comparison(hist_small, hist_big, lr_small, lr_big, path):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for h, lr in ((hist_small, lr_small), (hist_big, lr_big)):
        epochs = np.arange(1, len(h.history["loss"]) + 1)
        axes[0].plot(epochs, h.history["loss"], label=f"lr = {lr:g}")
        axes[1].plot(epochs, h.history["accuracy"], label=f"lr = {lr:g}")
    axes[0].set(xlabel="epoch", ylabel="BCE, mean over the epoch's steps", title="R1.1c: training loss")
    axes[1].set(xlabel="epoch", ylabel="accuracy, running over the epoch", title="R1.1c: training accuracy",
                ylim=(0.4, 1.02))
    for ax in axes:
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_three_classes(X, y, grid_out, acc, path):
    names = ["attractive", "neutral", "repulsive"]
    colors = np.array(["tab:red", "tab:gray", "tab:blue"])
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    ax.pcolormesh(GRID, GRID, grid_out.argmax(-1).T, cmap=ListedColormap(colors), alpha=0.35,
                  vmin=-0.5, vmax=2.5, shading="nearest")
    for k in range(3):
        ax.scatter(*X[y == k].T, c=colors[k], edgecolor="k", linewidth=0.5, s=30, label=f"{k}: {names[k]}")
    ax.set(xlabel="q₁", ylabel="q₂", aspect="equal",
           title=f"R1.1e: 3 classes, softmax + cross-entropy\nbackground = predicted class, accuracy {acc:.1%}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, title="true class")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args(__doc__)
    res = Results("r1_charges", args)
    epochs = 20 if args.quick else 100
    epochs_e = 40 if args.quick else 100      # the neutral cross takes ≈ 30-40 epochs to appear
    snapshots = sorted({1, 5, 10, epochs})
    lr_text, lr_code = 1e-4, 1e-2

    # (a) data and the q = 0 convention
    X, y = charges_grid(5, zero="no_force")
    _, y_literal = charges_grid(5, zero="sign")
    res.add("R1.1a", "charges grid −5..5, label 1 = attractive; a zero charge → 0 (no force)",
            {"points": len(X), "attractive": int(y.sum()), "not attractive": int((y == 0).sum()),
             "pairs that change if sign(0)=0 is read literally": int((y != y_literal).sum())},
            check=len(X) == 121 and y.sum() == 50)

    # (b) the network and its parameter count
    tn.manual_seed(args.seed)
    n_params = make_net(1).num_parameters()
    make_net(1).summary((2,))
    res.add("R1.1b", "2→10→10→1 tanh/sigmoid", {"parameters": n_params}, check=n_params == 151)

    # (c) + (d) both learning rates, snapshots of the output
    _, hist_small, seen_small = train(X, y, 1, lr_text, epochs, snapshots, args.seed)
    _, hist_big, seen_big = train(X, y, 1, lr_code, epochs, snapshots, args.seed)
    acc_small, acc_big = (binary_accuracy(seen[epochs][1], y) for seen in (seen_small, seen_big))
    majority = float(np.mean(y == 0))
    path_c = res.figure("R1.1c", "learning_rates")
    plot_lr_comparison(hist_small, hist_big, lr_text, lr_code, path_c)
    spread_small = float(np.ptp(seen_small[epochs][1]))
    res.add("R1.1c", f"SGD batch 1, BCE, {epochs} epochs: lr 1e-4 (text) vs 1e-2 (code)",
            {"accuracy lr=1e-4": acc_small, "accuracy lr=1e-2": acc_big, "always-0 baseline": majority,
             "BCE lr=1e-4": hist_small.history["loss"][-1], "BCE lr=1e-2": hist_big.history["loss"][-1],
             "range of ŷ over the grid, lr=1e-4": spread_small},
            [path_c], check=check_learning_rates(acc_small, acc_big, spread_small, majority))
    print(f"  lr = 1e-4: after {epochs} epochs ŷ still spans only {spread_small:.2f} over the plane and the "
          f"accuracy {acc_small:.1%} is close to always answering 0 ({majority:.1%}): 100× smaller steps, "
          f"so ~100× more epochs would be needed. lr = 1e-2 reaches {acc_big:.1%}.")
    path_d = res.figure("R1.1d", "evolution_lr0.01")
    plot_binary_evolution(X, y, seen_big, lr_code, path_d)
    path_d2 = res.figure("R1.1d", "evolution_lr0.0001")
    plot_binary_evolution(X, y, seen_small, lr_text, path_d2)
    accs = {f"accuracy after {e}": binary_accuracy(seen_big[e][1], y) for e in snapshots}
    res.add("R1.1d", "output surface and ŷ > 0.5 after 1, 5, 10, last epoch (lr = 1e-2)", accs,
            [path_d, path_d2], check=accs[f"accuracy after {epochs}"] >= max(accs["accuracy after 1"], (1 + majority) / 2))

    # (e) three classes
    X3, y3 = charges_grid(5, n_classes=3)
    model3, hist3, seen3 = train(X3, y3, 3, lr_code, epochs_e, [epochs_e], args.seed)
    pred3 = seen3[epochs_e][1].argmax(1)
    acc3 = float(np.mean(pred3 == y3))
    per_class = {f"accuracy {name}": float(np.mean(pred3[y3 == k] == k))
                 for k, name in enumerate(["attractive", "neutral", "repulsive"])}
    path_e = res.figure("R1.1e", "three_classes")
    plot_three_classes(X3, y3, seen3[epochs_e][0], acc3, path_e)
    res.add("R1.1e", f"attractive / neutral / repulsive, softmax + cross-entropy, {epochs_e} epochs",
            {"accuracy": acc3, **per_class, "most frequent class only": float(np.bincount(y3).max() / len(y3)),
             "cross-entropy": hist3.history["loss"][-1]}, [path_e], check=check_three_classes(pred3, y3))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
