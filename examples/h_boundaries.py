"""H2 — decision boundaries of a decision tree, an MLP and gradient-boosted trees on three toy sets (Heidelberg).

The notebook compares scikit-learn's DecisionTreeClassifier and MLPClassifier with XGBoost on
"moons", "circles" and a linearly separable set. Here all three come from `tinynn.classic`:
  decision tree      CART, Gini impurity, max_depth = 5: axis-parallel cuts, so its boundary is a
                     staircase of rectangles, however smooth the true one is;
  MLP                one hidden layer of 100 ReLU units, L2 penalty alpha = 1 (as scikit-learn's
                     classifier-comparison example): a smooth boundary;
  gradient boosting  100 depth-3 trees fitted one after the other to the log-loss gradient,
                     shrinkage 0.1 (XGBoost's idea): still rectangles, but many small ones averaged.
Features are standardised on the training part; 40 % of each set is held out, and each panel shows
the test accuracy (bottom right). Background: the predicted probability of class 1; solid points are
training data, faint ones test data.

    python examples/h_boundaries.py [--quick | --full] [--out out] [--seed 0]
"""
import sys
import warnings

from _common import Results, parse_args

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from tinynn.classic import DecisionTreeClassifier, GradientBoostingClassifier, MLPClassifier
from tinynn.data import Standardizer, train_test_split
from tinynn.datasets import make_circles, make_linear, make_moons


def classifiers(quick, seed):
    return {"decision tree (depth 5)": DecisionTreeClassifier(max_depth=5, random_state=seed),
            "MLP (100 ReLU, α = 1)": MLPClassifier(hidden_layer_sizes=(100,), alpha=1.0,
                                                    max_iter=200 if quick else 1000, random_state=seed),
            "gradient-boosted trees": GradientBoostingClassifier(n_estimators=40 if quick else 100, max_depth=3,
                                                                 learning_rate=0.1, random_state=seed)}


def main():
    args = parse_args(__doc__)
    res = Results("h_boundaries", args)
    n = 400
    datasets = {"moons": make_moons(n, noise=0.3, seed=args.seed),
                "circles": make_circles(n, noise=0.2, factor=0.5, seed=args.seed),
                "linearly separable": make_linear(n, noise=0.2, margin=0.2, seed=args.seed)}
    names = list(classifiers(args.quick, args.seed))
    fig, axes = plt.subplots(len(datasets), len(names) + 1, figsize=(3.4 * (len(names) + 1) + 1.2, 3.4 * len(datasets)),
                             layout="constrained")
    cmap_points = ListedColormap(["#1f77b4", "#d62728"])
    steps = 120 if args.quick else 250
    acc, chance = {}, {}
    for i, (dname, (X, y)) in enumerate(datasets.items()):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.4, random_state=args.seed, stratify=y)
        scaler = Standardizer().fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
        both = np.vstack([X_tr, X_te])
        lo, hi = both.min(0) - 0.5, both.max(0) + 0.5
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
        grid = np.stack([gx.ravel(), gy.ravel()], 1)
        ax = axes[i, 0]
        ax.scatter(*X_tr.T, c=y_tr, cmap=cmap_points, edgecolor="k", s=18)
        ax.scatter(*X_te.T, c=y_te, cmap=cmap_points, edgecolor="k", s=18, alpha=0.35)
        chance[dname] = float(np.bincount(y_te).max() / len(y_te))   # always the majority class
        for j, (cname, clf) in enumerate(classifiers(args.quick, args.seed).items(), start=1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")        # quick mode: fewer MLP epochs than convergence needs
                clf.fit(X_tr, y_tr)
            score = clf.score(X_te, y_te)
            acc[(dname, cname)] = score
            ax = axes[i, j]
            p = clf.predict_proba(grid)[:, 1].reshape(gx.shape)
            filled = ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7)
            ax.scatter(*X_tr.T, c=y_tr, cmap=cmap_points, edgecolor="k", s=18)
            ax.scatter(*X_te.T, c=y_te, cmap=cmap_points, edgecolor="k", s=18, alpha=0.35)
            ax.text(0.97, 0.04, f"{score:.0%}", transform=ax.transAxes, ha="right", fontsize=14,
                    weight="bold", bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
        for j, ax in enumerate(axes[i]):
            ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]))
            ax.set_xlabel("x₁ (standardised)", fontsize=9)
            if j:
                ax.tick_params(labelleft=False)
        axes[i, 0].set_ylabel(f"{dname}\n\nx₂ (standardised)", fontsize=10)
    for j, title in enumerate(["input data (faint: test)"] + names):
        axes[0, j].set_title(title, fontsize=11)
    fig.colorbar(filled, ax=axes[:, 1:], shrink=0.6, label="predicted probability of the red class")
    fig.suptitle("H2: decision boundaries on standardised toy data; bold: accuracy on the held-out 40 %",
                 fontsize=13)
    path = res.figure("H2", "decision_boundaries")
    fig.savefig(path, dpi=90)
    plt.close(fig)

    short = {names[0]: "tree", names[1]: "MLP", names[2]: "boosting"}
    numbers = {f"{short[c]} {d}": acc[(d, c)] for c in names for d in datasets}
    numbers["majority class (every set)"] = max(chance.values())
    margin = 0.25                       # every model learned every set's boundary: 160 test points, σ(chance) ≈ 0.04
    res.add("H2", "test accuracy of decision tree / MLP / gradient boosting on moons, circles, linear", numbers,
            [path], check=all(acc[(d, c)] >= chance[d] + margin for d in datasets for c in names))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
