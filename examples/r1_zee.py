"""R1.2 — regress the Z boson mass from the two electrons of Z → ee events (Ruehle, problem set 1).

(a) For massless leptons M² = 2 pT₁ pT₂ (cosh(η₁ − η₂) − cos(φ₁ − φ₂)); the run checks it against
    the file's M column. (The staged file is real CMS 2010 data with an M column, a stand-in for
    CERN Open Data record 545; events with more than two electrons list every pair, and we keep the
    first pair of each of the 500 events.)
(b) 6 inputs (pT, η, φ of each electron) → 100 → 100 → 1. The output must reach any M > 0: a linear
    (identity) output, never a sigmoid or tanh, which would cap it at 1. Hidden units ReLU (tanh
    would work too; a linear hidden layer would make the whole net linear).
(c) Train as the classifier was trained — SGD, batch size 1, 100 epochs, learning rate 0.01 — on the
    mean squared error, and test on 20 % of the events held out. In GeV the squared errors are
    ~10⁴ and the gradients so large that SGD at 0.01 overflows within the first steps. At 0.0001 it
    survives but only learns the mean: the predictions barely vary from event to event.
(d) pT and M in units of 100 GeV: inputs and target are O(1), SGD at 0.01 is stable and learns.
    Δη and Δφ need no rescaling: they are already O(1) (|η| < 2.5 in the detector, Δφ is an angle)
    and average to ≈ 0, because which electron is called "1" is arbitrary (swapping them flips the sign).
(e) Physics says M depends only on pT₁pT₂, Δη = η₁ − η₂ and Δφ = φ₁ − φ₂ (wrapped to (−π, π]): three
    engineered inputs. Run both with and without the 100 GeV units. The table shows which step
    mattered more: without the rescaling even the engineered features do not train; with it they
    give the smallest error.

    python examples/r1_zee.py [--quick] [--out out] [--seed 0]
"""
import sys

from _common import Results, parse_args  # first: it sets OPENBLAS_NUM_THREADS before numpy is imported

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from tinynn.data import train_test_split
from tinynn.datasets import load_zee
from tinynn.train import fit


def invariant_mass(pt1, pt2, eta1, eta2, phi1, phi2):
    """M = √(2 pT₁ pT₂ (cosh Δη − cos Δφ)), the massless-lepton formula (2)."""
    return np.sqrt(2 * pt1 * pt2 * (np.cosh(eta1 - eta2) - np.cos(phi1 - phi2)))


def wrap_angle(phi):
    """φ mapped to (−π, π]."""
    return np.pi - np.mod(np.pi - phi, 2 * np.pi)


def feature_sets(t):
    """name -> (inputs (n, d), target scale in GeV): the sheet's variants (c), (d), (e)."""
    six = np.stack([t["pt1"], t["eta1"], t["phi1"], t["pt2"], t["eta2"], t["phi2"]], 1)
    three = np.stack([t["pt1"] * t["pt2"], t["eta1"] - t["eta2"], wrap_angle(t["phi1"] - t["phi2"])], 1)
    per100 = np.array([0.01, 1, 1, 0.01, 1, 1])
    return {"(c) 6 raw inputs, GeV": (six, 1.0),
            "(d) 6 inputs, pT & M in 100 GeV": (six * per100, 100.0),
            "(e) pT₁pT₂, Δη, Δφ in GeV": (three, 1.0),
            "(e) pT₁pT₂, Δη, Δφ in 100 GeV": (three * [1e-4, 1, 1], 100.0)}


def train_variant(X_tr, y_tr, X_te, lr, epochs, seed):
    """6/3 → 100 → 100 → 1 ReLU, SGD batch 1 on the MSE. Returns (test predictions, epoch losses) or
    (None, message) if the loss overflowed."""
    tn.manual_seed(seed)
    model = nn.Sequential(nn.Linear(X_tr.shape[1], 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                          nn.Linear(100, 1))
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=lr),
                          (X_tr.astype(np.float32), y_tr[:, None].astype(np.float32)), epochs=epochs,
                          batch_size=1, verbose=0, generator=seed)
    except FloatingPointError as err:
        return None, str(err).split(";")[0]
    with tn.no_grad():
        return model(tn.tensor(X_te.astype(np.float32))).numpy()[:, 0], history.history["loss"]


def main():
    args = parse_args(__doc__)
    res = Results("r1_zee", args)
    epochs = 3 if args.quick else 100

    # (a) the formula against the file
    t = load_zee(unique_events=True)
    M = invariant_mass(t["pt1"], t["pt2"], t["eta1"], t["eta2"], t["phi1"], t["phi2"])
    rel = float(np.max(np.abs(M / t["M"] - 1)))
    res.add("R1.2a", "M_Z from pT, η, φ vs the file's M column",
            {"events": len(M), "max relative difference": rel, "median M [GeV]": float(np.median(M))},
            check=rel < 1e-4)

    # (b)-(e) the variants
    idx_tr, idx_te = train_test_split(np.arange(len(M)), test_size=0.2, random_state=args.seed)
    rows, plots = [], []
    for name, (X, scale) in feature_sets(t).items():
        y = M / scale
        for lr in ([1e-2, 1e-4] if scale == 1.0 else [1e-2]):
            pred, info = train_variant(X[idx_tr], y[idx_tr], X[idx_te], lr, epochs, args.seed)
            row = dict(variant=name, lr=lr)
            if pred is None:
                row.update(status=f"diverged: {info}")
            else:
                pred_gev, truth = pred * scale, M[idx_te]
                row.update(rmse=float(np.sqrt(np.mean((pred_gev - truth) ** 2))),
                           mae=float(np.mean(np.abs(pred_gev - truth))), spread=float(pred_gev.std()),
                           status="trained")
                plots.append((name, lr, pred_gev, truth, row["rmse"]))
            rows.append(row)

    truth_std = float(M[idx_te].std())
    print(f"\n  held-out events: {len(idx_te)}; std of the true M there: {truth_std:.2f} GeV "
          f"(the RMS error of always predicting the mean); SGD, batch 1, {epochs} epochs")
    print(f"  {'variant':34s} {'lr':>7s} {'RMS err':>8s} {'MAE':>7s} {'σ(pred)':>8s}  status")
    for r in rows:
        nums = (f"{r['rmse']:8.2f} {r['mae']:7.2f} {r['spread']:8.2f}" if "rmse" in r
                else f"{'—':>8s} {'—':>7s} {'—':>8s}")
        print(f"  {r['variant']:34s} {r['lr']:7.0e} {nums}  {r['status']}")

    fig, axes = plt.subplots(1, len(plots), figsize=(4.4 * len(plots), 5), squeeze=False, layout="constrained")
    lo, hi = 0, float(np.percentile(M, 99.5)) + 10
    for ax, (name, lr, pred, truth, rmse) in zip(axes[0], plots):
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="prediction = truth")
        ax.scatter(truth, pred, s=10, alpha=0.7)
        ax.set(xlim=(lo, hi), ylim=(lo, hi), aspect="equal", xlabel="true M [GeV]", ylabel="predicted M [GeV]",
               title=f"{name}\nlr {lr:g}: RMS error {rmse:.1f} GeV")
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"R1.2: 6/3 → 100 → 100 → 1 (ReLU), SGD batch 1, {epochs} epochs; "
                 f"{len(idx_te)} held-out events (runs that diverged are not shown)", fontsize=11)
    path = res.figure("R1.2", "prediction_vs_truth")
    fig.savefig(path, dpi=100)
    plt.close(fig)

    by = {(r["variant"], r["lr"]): r for r in rows}
    names = list(feature_sets(t))
    raw_fast, raw_slow = by[(names[0], 1e-2)], by[(names[0], 1e-4)]
    scaled, eng_raw, both = by[(names[1], 1e-2)], by[(names[2], 1e-2)], by[(names[3], 1e-2)]
    numbers = {"RMS error (c) lr 1e-4 [GeV]": raw_slow.get("rmse", float("nan")),
               "σ(pred) (c) lr 1e-4 [GeV]": raw_slow.get("spread", float("nan")),
               "RMS error (d) [GeV]": scaled.get("rmse", float("nan")),
               "RMS error (e) engineered, 100 GeV [GeV]": both.get("rmse", float("nan")),
               "runs that diverged": sum("rmse" not in r for r in rows), "std of true M [GeV]": truth_std}
    res.add("R1.2b-e", "variants on a held-out 20 %", numbers, [path],
            check="rmse" not in raw_fast and "rmse" in scaled and "rmse" in both
            and (args.quick or both["rmse"] < scaled["rmse"] < truth_std))

    # which mattered more: each step alone (a diverged run counts as an infinite error)
    err = lambda r: r.get("rmse", float("inf"))                                  # noqa: E731
    fmt = lambda r: f"{r['rmse']:.1f} GeV" if "rmse" in r else "diverges"       # noqa: E731
    print(f"\n  RMS error on the held-out events — normalising alone: {fmt(scaled)}; feature engineering "
          f"alone: {fmt(eng_raw)}; both: {fmt(both)}; always predicting the mean: {truth_std:.1f} GeV.")
    print("  -> " + ("normalising the input mattered more" if err(scaled) < err(eng_raw)
                     else "feature engineering mattered more") + " here.")
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
