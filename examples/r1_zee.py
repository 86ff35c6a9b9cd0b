"""R1.2 — regress the Z boson mass from the two electrons of Z → ee events (Ruehle, problem set 1).

(a) For massless leptons M² = 2 pT₁ pT₂ (cosh(η₁ − η₂) − cos(φ₁ − φ₂)); the run checks it against
    the file's M column. (The staged file is real CMS 2010 data with an M column, a stand-in for
    CERN Open Data record 545; events with more than two electrons list every pair, and we keep the
    first pair of each of the 500 events: 400 to train, 100 held out.)
(b) 6 inputs (pT, η, φ of each electron) → 100 → 100 → 1. The output must reach any M > 0: a linear
    (identity) output, never a sigmoid or tanh, which would cap it at 1. Hidden units ReLU (tanh
    would work too; a linear hidden layer would make the whole net linear).
(c) Train as the classifier was trained — SGD, batch size 1, 100 epochs, learning rate 0.01 — on the
    mean squared error, and test on the 20 % held out. In GeV the squared errors are ~10⁴ and the
    gradients so large that SGD at 0.01 overflows within the first steps. At 0.0001 it survives but
    learns little more than the mean: it is no better than always predicting the training mean.
(d) NNs prefer O(1) numbers. The sheet's choice: pT and M in units of 100 GeV. Δη and Δφ need no
    rescaling: they are already O(1) (|η| < 2.5 in the detector, Δφ is an angle) and average to ≈ 0,
    because which electron is called "1" is arbitrary (swapping them flips the sign). The sheet's
    text also names the usual recipe, zero mean and unit variance per input on the training set
    (standardised): 100 GeV units leave pT at ≈ 0.4 ± 0.15, while standardising puts every input
    on the same footing — and that is what trains in 100 epochs.
(e) Physics says M depends only on pT₁pT₂, Δη = η₁ − η₂ and Δφ = φ₁ − φ₂ (wrapped to (−π, π]): three
    engineered inputs, in GeV, in 100 GeV units (pT₁pT₂ then has σ ≈ 0.06 while Δφ has σ ≈ 2.8: not a
    common scale) and standardised. Going one step further with the physics, M² depends on Δη and
    Δφ only through cosh Δη and cos Δφ: with those inputs the net has the least left to learn.
    The target is M in units of 100 GeV in every variant but the raw one.

The table on the held-out events gives each variant's RMS error, its RMS error in the 60–120 GeV
bulk, and the mean predictor's (always the training mean) for comparison; "which step mattered
more" is computed from it: the best variant with normalised raw inputs against the best with
engineered inputs in GeV, and what the other step adds on top of each.

Full mode: 100 epochs as on the sheet; --quick trains 10 epochs (the ranking is the same, the
errors larger).

    python examples/r1_zee.py [--quick | --full] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.data import Standardizer, train_test_split
from tinynn.datasets import load_zee
from tinynn.train import fit

BULK = (60.0, 120.0)                       # GeV: the Z peak region of the held-out events


def invariant_mass(pt1, pt2, eta1, eta2, phi1, phi2):
    """M = √(2 pT₁ pT₂ (cosh Δη − cos Δφ)), the massless-lepton formula (2)."""
    return np.sqrt(2 * pt1 * pt2 * (np.cosh(eta1 - eta2) - np.cos(phi1 - phi2)))


def wrap_angle(phi):
    """φ mapped to (−π, π]."""
    return np.pi - np.mod(np.pi - phi, 2 * np.pi)


def feature_sets(t, idx_tr):
    """[(name, inputs (n, d), target unit in GeV, learning rates)]: the sheet's variants (c), (d), (e)
    and the standardised ones (mean and σ from the training events `idx_tr` only)."""
    six = np.stack([t["pt1"], t["eta1"], t["phi1"], t["pt2"], t["eta2"], t["phi2"]], 1)
    three = np.stack([t["pt1"] * t["pt2"], t["eta1"] - t["eta2"], wrap_angle(t["phi1"] - t["phi2"])], 1)
    physics = np.stack([t["pt1"] * t["pt2"], np.cosh(t["eta1"] - t["eta2"]), np.cos(t["phi1"] - t["phi2"])], 1)

    def standardised(x):
        return Standardizer().fit(x[idx_tr]).transform(x)

    return [("(c) pT, η, φ ×2 in GeV", six, 1.0, [1e-2, 1e-4]),
            ("(d) pT & M in 100 GeV", six * [0.01, 1, 1, 0.01, 1, 1], 100.0, [1e-2]),
            ("(d) pT, η, φ ×2 standardised", standardised(six), 100.0, [1e-2]),
            ("(e) pT₁pT₂, Δη, Δφ in GeV", three, 1.0, [1e-2, 1e-4]),
            ("(e) pT₁pT₂, Δη, Δφ in 100 GeV", three * [1e-4, 1, 1], 100.0, [1e-2]),
            ("(e) pT₁pT₂, Δη, Δφ standardised", standardised(three), 100.0, [1e-2]),
            ("(e) pT₁pT₂, cosh Δη, cos Δφ std.", standardised(physics), 100.0, [1e-2])]


def make_net(n_inputs):
    """n → 100 → 100 → 1, ReLU hidden units, a linear output (M can be any positive number)."""
    return nn.Sequential(nn.Linear(n_inputs, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1))


def train_variant(X_tr, y_tr, X_te, lr, epochs, seed):
    """6/3 → 100 → 100 → 1 ReLU, SGD batch 1 on the MSE. Returns (test predictions, epoch losses) or
    (None, message) if the loss overflowed."""
    tn.manual_seed(seed)
    model = make_net(X_tr.shape[1])
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=lr),
                          (X_tr.astype(np.float32), y_tr[:, None].astype(np.float32)), epochs=epochs,
                          batch_size=1, verbose=0, generator=seed)
    except FloatingPointError as err:
        return None, str(err).split(";")[0]
    with tn.no_grad():
        return model(tn.tensor(X_te.astype(np.float32))).numpy()[:, 0], history.history["loss"]


def rms_errors(pred, truth):
    """(RMS error over all events, RMS error over the events with a true M in the 60–120 GeV bulk)."""
    bulk = (truth >= BULK[0]) & (truth <= BULK[1])
    err = pred - truth
    return float(np.sqrt(np.mean(err ** 2))), float(np.sqrt(np.mean(err[bulk] ** 2)))


def check_lesson(truth, train_mean, raw, normalised, best, quick):
    """R1.2's lesson, judged against the mean predictor (always the training mean) on the held-out
    events. Arguments are predictions in GeV (None: the run diverged):
    raw        — (c) raw GeV inputs at the sheet's lr 0.01 or 0.0001: diverges or is no better than
                 the mean predictor (it learned no more than the mean);
    normalised — the best variant with normalised raw inputs: clearly better than the mean (≤ 75 %);
    best       — the best variant of all (normalised engineered inputs): close to the formula, at most
                 35 % (quick) / 20 % (full, ≈ 2.3 GeV) of the mean predictor's error.
    A net that is untrained, or whose output is read in the wrong unit, fails."""
    mean_err = rms_errors(np.full_like(truth, train_mean), truth)[0]
    if normalised is None or best is None:
        return False
    raw_ok = raw is None or rms_errors(raw, truth)[0] >= 0.9 * mean_err
    return bool(raw_ok and rms_errors(normalised, truth)[0] <= 0.75 * mean_err
                and rms_errors(best, truth)[0] <= (0.35 if quick else 0.2) * mean_err)


def which_mattered(by_name):
    """The sentence answering (e): from the RMS errors (inf for a diverged run) of the variants."""
    fmt = lambda e: "diverges" if e == np.inf else f"{e:.1f} GeV"                   # noqa: E731
    norm = min(by_name[n] for n in by_name if n.startswith("(d)"))
    eng = min(by_name[n] for n in by_name if n.startswith("(e)") and n.endswith(" in GeV"))
    both = min(by_name[n] for n in by_name if n.startswith("(e)") and not n.endswith(" in GeV"))
    verdict = "normalising the input mattered more" if norm < eng else "feature engineering mattered more"
    alone = (f"engineering without it {'diverges' if np.inf in (norm, eng) else f'reaches only {fmt(max(norm, eng))}'}"
             if norm < eng else f"normalising without it reaches only {fmt(norm)}")
    return (f"normalising alone (best (d)): {fmt(norm)}; feature engineering alone ((e) in GeV): {fmt(eng)}; "
            f"both (best (e) with O(1) inputs): {fmt(both)}. -> {verdict}: {alone}; with both the error "
            f"is {both / min(norm, eng):.2f}× that of the better single step.")


def prediction_figure(plots, summary, epochs, n_test, M, path):
    cols = 4
    rows = -(-len(plots) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.9 * rows), squeeze=False, layout="constrained")
    lo, hi = 0, float(np.percentile(M, 99.5)) + 10
    for ax in axes.ravel()[len(plots):]:
        ax.axis("off")
    if len(plots) < rows * cols:                               # the table in the first free cell
        axes.ravel()[len(plots)].text(0, 1, summary, va="top", family="monospace", fontsize=7.8,
                                      transform=axes.ravel()[len(plots)].transAxes)
    for ax, (name, lr, pred, truth, rmse) in zip(axes.ravel(), plots):
        ax.axvspan(*BULK, color="0.92", zorder=0)
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="prediction = truth")
        ax.scatter(truth, pred, s=10, alpha=0.7)
        ax.set(xlim=(lo, hi), ylim=(lo, hi), aspect="equal", xlabel="true M [GeV]", ylabel="predicted M [GeV]",
               title=f"{name}\nlr {lr:g}: RMS error {rmse:.1f} GeV", )
        ax.title.set_fontsize(10)
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"R1.2: 6/3 → 100 → 100 → 1 (ReLU), SGD batch 1, {epochs} epochs; {n_test} held-out events "
                 f"(grey band: the {BULK[0]:.0f}–{BULK[1]:.0f} GeV bulk; diverged runs not shown)", fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args(__doc__)
    res = Results("r1_zee", args)
    epochs = 10 if args.quick else 100

    # (a) the formula against the file
    t = load_zee(unique_events=True)
    M = invariant_mass(t["pt1"], t["pt2"], t["eta1"], t["eta2"], t["phi1"], t["phi2"])
    rel = float(np.max(np.abs(M / t["M"] - 1)))
    res.add("R1.2a", "M_Z from pT, η, φ vs the file's M column",
            {"events": len(M), "max relative difference": rel, "median M [GeV]": float(np.median(M))},
            check=rel < 1e-4)

    # (b)-(e) the variants
    idx_tr, idx_te = train_test_split(np.arange(len(M)), test_size=0.2, random_state=args.seed)
    truth, train_mean = M[idx_te], float(M[idx_tr].mean())
    mean_rms, mean_bulk = rms_errors(np.full_like(truth, train_mean), truth)
    rows, plots, preds = [], [], {}
    for name, X, unit, lrs in feature_sets(t, idx_tr):
        for lr in lrs:
            pred, info = train_variant(X[idx_tr], M[idx_tr] / unit, X[idx_te], lr, epochs, args.seed)
            row = dict(variant=name, lr=lr)
            if pred is None:
                row.update(status=f"diverged: {info}")
            else:
                pred = pred * unit
                preds[(name, lr)] = pred
                rmse, bulk = rms_errors(pred, truth)
                row.update(rmse=rmse, bulk=bulk, spread=float(pred.std()), status="trained")
                plots.append((name, lr, pred, truth, rmse))
            rows.append(row)

    print(f"\n  {len(idx_tr)} training and {len(idx_te)} held-out events; SGD, batch 1, {epochs} epochs; "
          f"RMS errors on the held-out events, in GeV")
    print(f"  {'variant':36s} {'lr':>7s} {'RMS err':>8s} {'60-120':>7s} {'σ(pred)':>8s}  status")
    print(f"  {'always the training mean':36s} {'':>7s} {mean_rms:8.2f} {mean_bulk:7.2f} {0:8.2f}  baseline")
    for r in rows:
        nums = (f"{r['rmse']:8.2f} {r['bulk']:7.2f} {r['spread']:8.2f}" if "rmse" in r
                else f"{'—':>8s} {'—':>7s} {'—':>8s}")
        print(f"  {r['variant']:36s} {r['lr']:7.0e} {nums}  {r['status']}")

    path = res.figure("R1.2", "prediction_vs_truth")
    summary = "held-out RMS error [GeV]\n\n" + f"{'always the training mean':43s} {mean_rms:5.1f}\n" + "\n".join(
        f"{r['variant']:33s} lr {r['lr']:5.0e} " + (f"{r['rmse']:5.1f}" if "rmse" in r else "diverges")
        for r in rows)
    prediction_figure(plots, summary, epochs, len(idx_te), M, path)

    err = {}                                                  # variant -> RMS error at its best lr
    for r in rows:
        err[r["variant"]] = min(err.get(r["variant"], np.inf), r.get("rmse", np.inf))
    trained = [r for r in rows if "rmse" in r]
    best = min(trained, key=lambda r: r["rmse"])
    normalised = min((r for r in trained if r["variant"].startswith("(d)")), key=lambda r: r["rmse"], default=None)
    raw = preds.get((rows[0]["variant"], 1e-4))               # (c) at the small rate; at 1e-2 it diverges
    sentence = which_mattered(err)
    print("\n  " + sentence)
    numbers = {"mean predictor [GeV]": mean_rms, "(c) raw, lr 1e-4 [GeV]": err[rows[0]["variant"]],
               "(d) 100 GeV [GeV]": err["(d) pT & M in 100 GeV"],
               "(d) standardised [GeV]": err["(d) pT, η, φ ×2 standardised"],
               "(e) 100 GeV [GeV]": err["(e) pT₁pT₂, Δη, Δφ in 100 GeV"],
               "(e) standardised [GeV]": err["(e) pT₁pT₂, Δη, Δφ standardised"],
               "(e) cosh Δη, cos Δφ std. [GeV]": err["(e) pT₁pT₂, cosh Δη, cos Δφ std."],
               "best in 60-120 GeV [GeV]": best["bulk"], "runs that diverged": sum("rmse" not in r for r in rows),
               "which mattered more": sentence.split("-> ")[1].split(":")[0]}
    res.add("R1.2b-e", f"variants on the held-out 20 %, RMS error, {epochs} epochs", numbers, [path],
            check=check_lesson(truth, train_mean, raw, preds.get((normalised["variant"], normalised["lr"]))
                               if normalised else None, preds[(best["variant"], best["lr"])], args.quick)
            and "rmse" not in rows[0])                        # (c) at lr 1e-2 diverges
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
