"""P1 — an MLP that separates SUSY events from Standard-Model background (Physics 361, lecture 5).

The UCI SUSY events (Baldi, Sadowski, Whiteson 2014) have two charged leptons and missing energy;
8 low-level features (the leptons' pT, η, φ and the missing energy's magnitude and φ) and 10
high-level ones physicists derived from them (MET_rel, axial MET, M_R, M_TR_2, R, MT2, S_R, M_Δ^R,
Δφ_β^R, cos θ_R+1). The lecture's PyTorch model is 18 → 200 → 100 → 2 (8 or 10 inputs for the
reduced feature sets); here it is a tinynn `nn.Sequential` with ReLU hidden units, dropout 0.5
after each, two logits trained with the cross-entropy (softmax + negative log-likelihood), SGD with
momentum, mini-batches of 100, the test set as validation data each epoch.

(The lecture's code comments swap the names: Linear(10, 200) is the high-level net, Linear(8, 200) the
low-level one, since SUSY has 8 low-level and 10 high-level features.)

Data: with the full UCI SUSY.csv(.gz) under $TINYNN_DATA/susy/ the run trains all three feature
sets on its first 100,000 events; the staged subset has only the 8 low-level features (already
standardised), so then only the low-level network is trained, and the output says so.

    python examples/p_susy.py [--quick | --full] [--out out] [--seed 0]
"""
import sys
import warnings

from _common import Results, parse_args

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from tinynn.data import Standardizer, train_test_split
from tinynn.datasets import load_susy
from tinynn.train import evaluate, fit


def susy_net(n_in):
    """n_in → 200 → 100 → 2 with ReLU and dropout 0.5; outputs two logits."""
    return nn.Sequential(nn.Linear(n_in, 200), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(200, 100), nn.ReLU(), nn.Dropout(0.5), nn.Linear(100, 2))


def train_set(X_tr, y_tr, X_te, y_te, epochs, seed):
    tn.manual_seed(seed)
    model = susy_net(X_tr.shape[1])
    loss = nn.CrossEntropyLoss()
    history = fit(model, loss, optim.SGD(model.parameters(), lr=0.05, momentum=0.5),
                  (X_tr.astype(np.float32), y_tr), epochs=epochs, batch_size=100,
                  validation_data=(X_te.astype(np.float32), y_te), metrics=["accuracy"], verbose=0, generator=seed)
    _, acc = evaluate(model, loss, (X_te.astype(np.float32), y_te), metrics=["accuracy"], batch_size=1000)
    return model, history, float(acc)


def main():
    args = parse_args(__doc__)
    res = Results("p_susy", args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # "the subset has fewer rows than asked": we report the count
        data = load_susy(nrows=100_000)
    full = bool(data.groups["high"])
    n = 3000 if args.quick else len(data.y)
    X, y = data.X[:n], data.y[:n]
    if full:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.1, random_state=args.seed)
        scaler = Standardizer().fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
        sets = {"all (18)": data.groups["low"] + data.groups["high"], "low-level (8)": data.groups["low"],
                "high-level (10)": data.groups["high"]}
    else:
        split = data.extra["n_train_file"] if n > data.extra["n_train_file"] else int(0.9 * n)
        X_tr, y_tr, X_te, y_te = X[:split], y[:split], X[split:], y[split:]
        sets = {"low-level (8)": data.groups["low"]}
        print("  staged SUSY subset: only the 8 low-level features exist, so only the low-level network is "
              "trained; put the full UCI SUSY.csv under $TINYNN_DATA/susy/ for all / low / high.")
    print(f"  data: {data.source}; {len(y_tr)} training and {len(y_te)} test events")
    epochs = 3 if args.quick else 20

    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2))
    numbers = {}
    for k, (name, cols) in enumerate(sets.items()):
        model, history, acc = train_set(X_tr[:, cols], y_tr, X_te[:, cols], y_te, epochs, args.seed)
        h = history.history
        e = np.arange(1, len(h["loss"]) + 1)
        axes[0].plot(e, h["loss"], "-", color=f"C{k}", label=f"{name}: training (dropout on)")
        axes[0].plot(e, h["val_loss"], "--", color=f"C{k}", label=f"{name}: test")
        axes[1].plot(e, h["accuracy"], "-", color=f"C{k}", label=f"{name}: training (dropout on)")
        axes[1].plot(e, h["val_accuracy"], "--", color=f"C{k}", label=f"{name}: test")
        numbers[f"test accuracy {name}"] = acc
        numbers[f"parameters {name}"] = model.num_parameters()
    axes[0].set(xlabel="epoch", ylabel="cross-entropy", title="P1: loss")
    axes[1].set(xlabel="epoch", ylabel="accuracy", title="P1: accuracy")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    source = "full UCI file" if full else "staged subset"
    fig.suptitle(f"P1: SUSY vs background, n → 200 → 100 → 2 MLP ({source})")
    fig.tight_layout()
    path = res.figure("P1", "susy_curves")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    majority = float(max(y_te.mean(), 1 - y_te.mean()))
    numbers["always the majority class"] = majority
    accs = [v for k, v in numbers.items() if k.startswith("test accuracy")]
    lesson = all(a >= majority + (0.12 if args.quick else 0.18) for a in accs)     # SUSY is learnable
    if full:                                          # and the physicists' high-level features carry most of it
        lesson = lesson and numbers["test accuracy high-level (10)"] >= numbers["test accuracy low-level (8)"] - 0.02
    res.add("P1", "SUSY classifier " + ("(all / low / high)" if full else "(low-level only: staged subset)"),
            numbers, [path], check=lesson)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
