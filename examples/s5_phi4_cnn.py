"""S5.2 — the phase transition of φ⁴ theory on a 16×16 lattice, found by a CNN trained on the two phases.

Action (periodic lattice, hopping parameter κ, quartic coupling λ):
    S = Σ_x [ −2κ Σ_μ φ(x) φ(x+μ̂) + (1 − 2λ) φ(x)² + λ φ(x)⁴ ].
For small κ the field fluctuates around 0 (symmetric phase); for large κ neighbouring sites align
and the field picks one sign over the whole lattice (broken phase, |m| = |⟨φ⟩| > 0).

(a) Lattices across κ, and the order parameter: mean |m| per κ of the shipped lattices, compared
    with lattices made by tinynn's own HMC simulator (`tinynn.datasets.hmc_phi4`) at the same κ.
(b) Why a CNN, and why 3×3 kernels. The action is a sum of local terms: each site interacts only
    with its four nearest neighbours (φ(x)φ(x+μ̂)) and with itself. A 3×3 kernel centred on x sees
    exactly that neighbourhood, so one layer can form the local "energy" features the physics is made
    of; a second 3×3 layer sees next-to-nearest neighbours, i.e. correlations of those features. A
    larger kernel adds weights the local action gives no use for. Long-range order is then read off
    by averaging the local features over the whole lattice (global average pooling), which also makes
    the output independent of where on the lattice a pattern sits — the lattice is translation
    invariant, and the convolution shares its weights across sites for the same reason. The lattice
    is periodic, so the padding is circular: every site, also at the edge, sees its true neighbours.
    The global average also lets the same network read lattices of any size (used in (d) on 8×8).
(c) Trained on κ = 0.24 (label 0, symmetric) and κ = 0.30 (label 1, broken) with the BCE.
(d) On the test lattices (24 κ between 0.24 and 0.2975, 100 each): mean ± std of the prediction per
    κ. κ* is where the mean (over the trained nets) crosses ½, by linear interpolation between
    neighbouring κ. Its uncertainty has a statistical part and the method's systematics:
      statistics   bootstrap over the 100 test lattices per κ;
      seeds        spread of κ* over independently trained CNNs;
      threshold    ½ is a convention: the shift of the crossing for thresholds ¼ and ¾;
      labels       which κ count as the two phases: CNNs trained instead on test lattices near the ends
                   (κ ≤ 0.245 vs ≥ 0.2925) and closer in (0.25–0.255 vs 0.2825–0.2875); the κ of the
                   crossing region (0.2575–0.28) are never labelled;
      finite size  on an L×L lattice every pseudo-critical point sits O(1/L^{1/ν}) from the infinite-volume
                   κ_c (ν = 1 in the 2-D Ising class of this model). The same CNN reads 8×8 HMC lattices;
                   with κ*(L) = κ_c + a/L, κ*(16) − κ_c = κ*(8) − κ*(16): that difference is the shift.
    The total (in quadrature) is compared with where the magnetisation says the transition is: the
    steepest rise of ⟨|m|⟩ and the peak of the susceptibility χ = V(⟨m²⟩ − ⟨|m|⟩²), both read off
    the same 16×16 test lattices; their uncertainty is the κ grid (step/√12) and, as for κ*, their own
    finite-size shift (the same estimate on the 8×8 lattices). The check (phase_check, tested in
    tests/examples/test_s5_checks.py) asks that the CNN separates the phases, that κ* is located, and
    that it agrees with both within 2σ.

Full mode: 5 CNNs × 20 epochs on the 2000 training lattices, 2 CNNs per alternative label set, HMC at all
24 κ (16×16: 200 chains × 600 trajectories; 8×8: 200 × 400). Quick mode: 2 CNNs × 5 epochs on 600
lattices, 1 CNN per label set, HMC at 6 κ (16×16) and at the 8 κ around the crossing (8×8).

    python examples/s5_phi4_cnn.py [--quick | --full] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from _s5_phi4_figures import kappa_figure, lattice_figure
from tinynn.datasets import hmc_phi4, load_phi4_lattices, magnetisation, mean_abs_magnetisation
from tinynn.train import fit, plot_history, predict

THRESHOLDS = (0.25, 0.75)                      # the decision-threshold variation around ½
LABEL_SETS = {"test κ ≤ 0.245 vs ≥ 0.2925": (slice(0, 3), slice(21, 24)),   # indices into the 24 test κ
              "test κ 0.25–0.255 vs 0.2825–0.2875": (slice(4, 7), slice(17, 20))}


def phase_cnn():
    """Conv 3×3 (circular) 1→8, ReLU, Conv 3×3 (circular) 8→16, ReLU, global average, Linear 16→1 (a logit)."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.GlobalAvgPool2d(), nn.Linear(16, 1))


def crossing(kappas, curve, level=0.5):
    """First κ where `curve` rises through `level`, by linear interpolation (NaN if it never does)."""
    above = np.nonzero((curve[:-1] < level) & (curve[1:] >= level))[0]
    if len(above) == 0:
        return float("nan")
    i = above[0]
    return float(kappas[i] + (level - curve[i]) * (kappas[i + 1] - kappas[i]) / (curve[i + 1] - curve[i]))


def magnetisation_estimates(kappas, lattices):
    """Where the order parameter says the transition is: κ of the steepest rise of ⟨|m|⟩ (between
    grid points) and of the peak of χ = V(⟨m²⟩ − ⟨|m|⟩²); also ⟨|m|⟩ and χ per κ."""
    m = magnetisation(lattices)
    mean = m.mean(1)
    chi = lattices.shape[-1] * lattices.shape[-2] * ((m**2).mean(1) - mean**2)
    mid = 0.5 * (kappas[1:] + kappas[:-1])
    return float(mid[np.argmax(np.diff(mean))]), float(kappas[np.argmax(chi)]), mean, chi


def train_cnns(x, y, n_nets, epochs, desc):
    """n_nets CNNs, each from its own initialisation and batch order; returns nets and histories."""
    nets, histories = [], []
    for _ in tqdm(range(n_nets), desc=desc, leave=False):
        net = phase_cnn()
        histories.append(fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net.parameters(), lr=3e-3), (x, y),
                             epochs=epochs, batch_size=32, validation_split=0.2, metrics=["accuracy"], verbose=0))
        nets.append(net)
    return nets, histories


def labelled(lattices_0, lattices_1, rng, limit=None):
    """Inputs (n, 1, L, L) and labels (n, 1): phase 0 then 1, shuffled (validation takes the last 20 %)."""
    x = np.concatenate([lattices_0, lattices_1])[:, None].astype(np.float32)
    y = np.concatenate([np.zeros(len(lattices_0)), np.ones(len(lattices_1))])[:, None].astype(np.float32)
    order = rng.permutation(len(x))[:limit]
    return x[order], y[order]


def prob_broken(nets, lattices):
    """P(broken) of each net for lattices (n_κ, n_cfg, L, L) -> (n_nets, n_κ, n_cfg)."""
    n_k, n_cfg, L, _ = lattices.shape
    flat = lattices.reshape(-1, 1, L, L).astype(np.float32)
    return np.array([1 / (1 + np.exp(-predict(net, flat, batch_size=600)[:, 0])) for net in nets]).reshape(
        len(nets), n_k, n_cfg)


def kappa_star_error(kappas, probs, rng, n_boot):
    """κ* of the mean curve over nets, its bootstrap error over lattices and its spread over nets."""
    mean_curve = probs.mean((0, 2))
    k_star = crossing(kappas, mean_curve)
    n_k, n_cfg = probs.shape[1:]
    boots = [crossing(kappas, np.take_along_axis(probs.mean(0), rng.integers(0, n_cfg, (n_k, n_cfg)), 1).mean(1))
             for _ in range(n_boot)]
    per_net = np.array([crossing(kappas, p.mean(1)) for p in probs])
    seeds = float(np.std(per_net, ddof=1)) if len(per_net) > 1 else float("nan")
    return k_star, float(np.nanstd(boots)), seeds, per_net


def total_uncertainty(parts):
    """Quadrature sum of the uncertainty parts (a dict name -> value)."""
    return float(np.sqrt(sum(v**2 for v in parts.values())))


def phase_check(kappas, mean_curve, k_star, sigma_total, references):
    """The lesson of S5.2d as numbers. The CNN separates the phases (mean P < 0.1 at the smallest κ,
    > 0.9 at the largest), κ* is located (finite; total uncertainty below 1/8 of the κ range scanned)
    and agrees with every magnetisation estimate {name: (κ, σ)} within 2σ, σ² = σ_total² + σ_estimate².
    Returns (passed, {name: pull}, sentence)."""
    separates = bool(mean_curve[0] < 0.1 and mean_curve[-1] > 0.9)
    located = bool(np.isfinite(k_star) and np.isfinite(sigma_total) and sigma_total < (kappas[-1] - kappas[0]) / 8)
    pulls = {name: abs(k_star - k) / np.hypot(sigma_total, err) for name, (k, err) in references.items()}
    agree = located and all(p < 2 for p in pulls.values())
    if not separates:
        sentence = "the CNN does not separate the two phases: no κ* to compare"
    elif not located:
        sentence = f"κ* is not located (κ* = {k_star:.4f} ± {sigma_total:.4f})"
    else:
        verdict = "agree" if agree else "do not agree"
        sentence = (f"κ* = {k_star:.4f} ± {sigma_total:.4f} and the magnetisation's estimates {verdict} within 2σ ("
                    + ", ".join(f"{n} {references[n][0]:.4f} ± {references[n][1]:.4f}: {p:.1f}σ"
                                for n, p in pulls.items()) + ")")
    return separates and agree, pulls, sentence


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    res = Results("s5_phi4_cnn", args)
    data = load_phi4_lattices()
    kappas = data.kappa_test
    L = data.test.shape[-1]

    # (a) magnetisation of the shipped lattices and of tinynn's HMC at some of the same κ
    shipped_m, shipped_err = mean_abs_magnetisation(data.test)
    pick = np.arange(0, len(kappas), 4 if args.quick else 1)
    chains, trajectories = (100, 200) if args.quick else (200, 600)
    runs = [hmc_phi4(kappas[i], n_chains=chains, L=L, n_traj=trajectories, seed=[args.seed, int(i)])
            for i in tqdm(pick, desc="S5.2a HMC 16×16", leave=False)]
    hmc_m, hmc_err = mean_abs_magnetisation(np.stack([r.phi for r in runs]))
    diff = np.abs(hmc_m - shipped_m[pick])
    figs_a = lattice_figure(res, data, shipped_m, shipped_err, (kappas[pick], hmc_m, hmc_err))
    res.add("S5.2a", "lattices across κ; mean |m| of the shipped lattices vs tinynn's HMC",
            {"mean|m| at κ=0.24 / 0.2975": f"{shipped_m[0]:.3f} / {shipped_m[-1]:.3f}",
             "HMC κ values": len(pick), "HMC acceptance (mean)": float(np.mean([r.acceptance for r in runs])),
             "max |Δ mean|m|| HMC−shipped": float(diff.max()), "at κ": float(kappas[pick][diff.argmax()])},
            figs_a, check=diff.max() < 0.25 and shipped_m[-1] > 5 * shipped_m[0])

    # (b, c) train CNNs on the two phases of the training set
    limit = 600 if args.quick else None
    x, y = labelled(data.train[0], data.train[1], rng, limit)
    n_nets, epochs = (2, 5) if args.quick else (5, 20)
    nets, histories = train_cnns(x, y, n_nets, epochs, "S5.2c CNNs")
    print(nets[0])
    path_c = res.figure("S5.2b-c", "training_curve")
    fig = plot_history(histories[0])
    fig.suptitle("S5.2c: BCE training of the phase CNN (first of the trained nets)")
    for ax in fig.axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.axes[0].set_yscale("log")               # the BCE falls by orders of magnitude: show them all
    fig.axes[0].set_ylabel("BCE (binary cross-entropy)")
    fig.savefig(path_c, dpi=110)
    plt.close(fig)
    h = histories[0].history
    chance_bce = float(np.log(2))               # BCE of the constant prediction ½ (balanced classes)
    res.add("S5.2b-c", "CNN 3×3 circular → 3×3 circular → global average → linear, BCE",
            {"parameters": nets[0].num_parameters(), "epochs": epochs, "final BCE": h["loss"][-1],
             "final val BCE": h["val_loss"][-1], "BCE of P = ½ (ln 2)": chance_bce,
             "val accuracy": h["val_accuracy"][-1]},
            [path_c], check=h["val_accuracy"][-1] > 0.95 and h["val_loss"][-1] < 0.1 * chance_bce)

    # (d) prediction per κ; κ* with statistics and the method's systematics
    probs = prob_broken(nets, data.test)
    k_star, err_boot, err_seeds, per_net = kappa_star_error(kappas, probs, rng, 200 if args.quick else 1000)
    mean_curve = probs.mean((0, 2))
    at_threshold = {t: crossing(kappas, mean_curve, t) for t in THRESHOLDS}
    err_threshold = max(abs(k - k_star) for k in at_threshold.values())
    by_labels = {}
    for name, (sym, broken) in LABEL_SETS.items():
        xl, yl = labelled(data.test[sym].reshape(-1, L, L), data.test[broken].reshape(-1, L, L), rng)
        alt, _ = train_cnns(xl, yl, 1 if args.quick else 2, 2 * epochs, f"S5.2d CNNs on {name}")
        by_labels[name] = crossing(kappas, prob_broken(alt, data.test).mean((0, 2)))
    err_labels = max(abs(k - k_star) for k in by_labels.values())
    # finite size: the same CNNs on 8×8 lattices from tinynn's HMC
    small = np.arange(6, 21, 2) if args.quick else np.arange(len(kappas))   # quick: around the crossing only
    chains8, traj8 = (100, 200) if args.quick else (200, 400)
    lattices8 = np.stack([hmc_phi4(kappas[i], n_chains=chains8, L=8, n_traj=traj8, seed=[args.seed, 100 + int(i)]).phi
                          for i in tqdm(small, desc="S5.2d HMC 8×8", leave=False)])
    k_star8 = crossing(kappas[small], prob_broken(nets, lattices8).mean((0, 2)))
    err_size = abs(k_star8 - k_star)
    steep8, chi8, _, _ = magnetisation_estimates(kappas[small], lattices8)
    parts = {"statistics (bootstrap)": err_boot, "network seeds": err_seeds, "threshold ¼…¾": err_threshold,
             "labelled κ ranges": err_labels, "finite size (8×8 vs 16×16)": err_size}
    sigma_total = total_uncertainty({k: (0.0 if not np.isfinite(v) else v) for k, v in parts.items()})
    steep, k_chi, mean_m, chi = magnetisation_estimates(kappas, data.test)
    step = float(kappas[1] - kappas[0])
    grid = step / np.sqrt(12)                   # read off a κ grid; plus each one's own shift from 8×8 to 16×16
    references = {"steepest rise of ⟨|m|⟩": (steep, float(np.hypot(grid, steep - steep8))),
                  "peak of χ": (k_chi, float(np.hypot(grid, k_chi - chi8)))}
    passed, pulls, sentence = phase_check(kappas, mean_curve, k_star, sigma_total, references)
    print("    S5.2d: " + sentence)
    print("    uncertainty of κ*: " + ", ".join(f"{k} {v:.4f}" for k, v in parts.items()))

    estimates = {"CNN κ* (threshold ½), ± total": (k_star, sigma_total, "C0"),
                 "CNN κ*, ± statistics ⊕ seeds": (k_star, float(np.hypot(err_boot, np.nan_to_num(err_seeds))), "C0")}
    estimates.update({f"CNN, threshold {t:g}": (k, 0, "C1") for t, k in at_threshold.items()})
    estimates.update({f"CNN trained on {n}": (k, 0, "C4") for n, k in by_labels.items()})
    estimates.update({"CNN on 8×8 HMC lattices": (k_star8, 0, "C5"),
                      "steepest rise of ⟨|m|⟩, 16×16": (steep, references["steepest rise of ⟨|m|⟩"][1], "C3"),
                      "peak of χ, 16×16": (k_chi, references["peak of χ"][1], "C2"),
                      "steepest rise of ⟨|m|⟩, 8×8": (steep8, grid, "C3"),
                      "peak of χ, 8×8": (chi8, grid, "C2")})
    path_d = kappa_figure(res, kappas, probs, (mean_m, chi), estimates, k_star, sigma_total, n_nets)
    numbers = {"κ*": k_star, "± total": sigma_total}
    numbers.update({f"± {k}": v for k, v in parts.items()})
    numbers.update({"κ steepest rise of mean|m|": steep, "κ of max susceptibility": k_chi,
                    "pulls (rise / χ)": " / ".join(f"{p:.1f}" for p in pulls.values()),
                    "κ* on 8×8": k_star8, "χ peak on 8×8": chi8, "verdict": sentence})
    if args.quick:
        numbers["note"] = (f"quick: {n_nets} nets × {epochs} epochs on {len(x)} lattices; "
                           "the quoted κ* and its uncertainty need --full")
    res.add("S5.2d", "prediction per κ; κ* ± (statistics ⊕ method) vs the magnetisation's estimates",
            numbers, [path_d], check=passed)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
