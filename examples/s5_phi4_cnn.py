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
(c) Trained on κ = 0.24 (label 0, symmetric) and κ = 0.30 (label 1, broken) with the BCE.
(d) On the test lattices (24 κ between 0.24 and 0.2975, 100 each): mean ± std of the prediction per
    κ. κ* is where the mean crosses ½ (linear interpolation between neighbouring κ); its uncertainty
    combines a bootstrap over the test lattices and the spread over independently trained CNNs. It
    is compared with where the magnetisation rises: the steepest increase of ⟨|m|⟩ and the peak of
    the susceptibility χ = V(⟨m²⟩ − ⟨|m|⟩²), the usual finite-volume estimate of the critical point.

    python examples/s5_phi4_cnn.py [--quick] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.datasets import hmc_phi4, load_phi4_lattices, magnetisation, mean_abs_magnetisation
from tinynn.train import fit, plot_history, predict


def phase_cnn():
    """Conv 3×3 (circular) 1→8, ReLU, Conv 3×3 (circular) 8→16, ReLU, global average, Linear 16→1 (a logit)."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.AvgPool2d(16), nn.Flatten(), nn.Linear(16, 1))


def crossing(kappas, curve, level=0.5):
    """First κ where `curve` rises through `level`, by linear interpolation (NaN if it never does)."""
    above = np.nonzero((curve[:-1] < level) & (curve[1:] >= level))[0]
    if len(above) == 0:
        return float("nan")
    i = above[0]
    return float(kappas[i] + (level - curve[i]) * (kappas[i + 1] - kappas[i]) / (curve[i + 1] - curve[i]))


def lattice_figure(res, data, shipped_m, shipped_err, hmc):
    """Example lattices across κ, and mean |m| per κ: shipped lattices vs tinynn's HMC."""
    show = np.linspace(0, len(data.kappa_test) - 1, 6).astype(int)
    fig = plt.figure(figsize=(13, 5), layout="constrained")
    grid = fig.add_gridspec(2, 7, width_ratios=[1] * 6 + [0.08])
    vmax = np.abs(data.test[show]).max()
    for col, k in enumerate(show):
        for row in range(2):
            ax = fig.add_subplot(grid[row, col])
            im = ax.imshow(data.test[k, row], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set(xticks=[], yticks=[])
            m = magnetisation(data.test[k, row], absolute=False)
            ax.set_title(f"κ = {data.kappa_test[k]:.4f}\nm = {m:+.2f}" if row == 0 else f"m = {m:+.2f}", fontsize=9)
    fig.colorbar(im, cax=fig.add_subplot(grid[:, 6]), label="φ(x)")
    fig.suptitle("S5.2a: test lattices across κ (two per κ); the field orders and picks a sign as κ grows")
    path_l = res.figure("S5.2a", "lattices")
    fig.savefig(path_l, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.errorbar(data.kappa_test, shipped_m, shipped_err, fmt="o-", ms=3, label="shipped lattices (100 per κ)")
    k_h, m_h, e_h = hmc
    ax.errorbar(k_h, m_h, e_h, fmt="s", ms=5, mfc="none", label="tinynn HMC simulator")
    ax.set(xlabel="κ", ylabel="mean |m| per lattice", title="order parameter: shipped data vs tinynn's HMC")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path_m = res.figure("S5.2a", "magnetisation")
    fig.savefig(path_m, dpi=110)
    plt.close(fig)
    return [path_l, path_m]


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    res = Results("s5_phi4_cnn", args)
    data = load_phi4_lattices()
    L = data.test.shape[-1]

    # (a) magnetisation of the shipped lattices and of tinynn's HMC at some of the same κ
    shipped_m, shipped_err = mean_abs_magnetisation(data.test)
    pick = np.arange(0, len(data.kappa_test), 4 if args.quick else 1)
    chains, trajectories = (100, 200) if args.quick else (200, 600)
    runs = [hmc_phi4(data.kappa_test[i], n_chains=chains, L=L, n_traj=trajectories, seed=[args.seed, int(i)])
            for i in pick]
    hmc_m, hmc_err = mean_abs_magnetisation(np.stack([r.phi for r in runs]))
    diff = np.abs(hmc_m - shipped_m[pick])
    figs_a = lattice_figure(res, data, shipped_m, shipped_err, (data.kappa_test[pick], hmc_m, hmc_err))
    res.add("S5.2a", "lattices across κ; mean |m| of the shipped lattices vs tinynn's HMC",
            {"mean|m| at κ=0.24 / 0.2975": f"{shipped_m[0]:.3f} / {shipped_m[-1]:.3f}",
             "HMC κ values": len(pick), "HMC acceptance (mean)": float(np.mean([r.acceptance for r in runs])),
             "max |Δ mean|m|| HMC−shipped": float(diff.max()), "at κ": float(data.kappa_test[pick][diff.argmax()])},
            figs_a, check=diff.max() < 0.25)

    # (b, c) train CNNs on the two phases
    x = np.concatenate([data.train[0], data.train[1]])[:, None].astype(np.float32)
    y = np.concatenate([np.zeros(len(data.train[0])), np.ones(len(data.train[1]))])[:, None].astype(np.float32)
    order = rng.permutation(len(x))             # mix the classes before the validation split takes the last 20 %
    x, y = x[order], y[order]
    if args.quick:
        x, y = x[:600], y[:600]
    n_nets, epochs = (2, 5) if args.quick else (5, 20)
    nets, histories = [], []
    for _ in range(n_nets):
        net = phase_cnn()
        histories.append(fit(net, nn.BCEWithLogitsLoss(), optim.Adam(net.parameters(), lr=3e-3), (x, y),
                             epochs=epochs, batch_size=32, validation_split=0.2, metrics=["accuracy"], verbose=0))
        nets.append(net)
    print(nets[0])
    path_c = res.figure("S5.2b-c", "training_curve")
    fig = plot_history(histories[0])
    fig.suptitle("S5.2c: BCE training of the phase CNN (first of the trained nets)")
    for ax in fig.axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.axes[0].set_yscale("log")               # the BCE falls by orders of magnitude: show them all
    fig.savefig(path_c, dpi=110)
    h = histories[0].history
    res.add("S5.2b-c", "CNN 3×3 circular → 3×3 circular → global average → linear, BCE",
            {"parameters": nets[0].num_parameters(), "epochs": epochs, "final loss": h["loss"][-1],
             "final val loss": h["val_loss"][-1], "val accuracy": h["val_accuracy"][-1]},
            [path_c], check=h["val_accuracy"][-1] > 0.95)

    # (d) prediction per κ, κ* with bootstrap and training spread, against the magnetisation
    test = data.test[:, :, None].astype(np.float32)            # (24, 100, 1, 16, 16)
    n_k, n_cfg = test.shape[:2]
    probs = np.array([1 / (1 + np.exp(-predict(net, test.reshape(-1, 1, L, L), batch_size=600)[:, 0]))
                      for net in nets]).reshape(n_nets, n_k, n_cfg)
    mean, std = probs[0].mean(1), probs[0].std(1)
    k_star_nets = np.array([crossing(data.kappa_test, p.mean(1)) for p in probs])
    boots = []
    for _ in range(200 if args.quick else 1000):
        idx = rng.integers(0, n_cfg, size=(n_k, n_cfg))            # resample the lattices within each κ
        boots.append(crossing(data.kappa_test, np.take_along_axis(probs.mean(0), idx, axis=1).mean(1)))
    k_star = float(np.nanmean(k_star_nets))
    err_boot = float(np.nanstd(boots))
    err_nets = float(np.std(k_star_nets, ddof=1)) if n_nets > 1 else 0.0
    err = float(np.hypot(err_boot, err_nets))
    m = magnetisation(data.test)
    chi = L * L * ((m**2).mean(1) - m.mean(1) ** 2)
    mid = 0.5 * (data.kappa_test[1:] + data.kappa_test[:-1])
    k_steep = float(mid[np.argmax(np.diff(shipped_m))])
    k_chi = float(data.kappa_test[np.argmax(chi)])

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.errorbar(data.kappa_test, mean, std, fmt="o-", ms=4, capsize=2,
                label="CNN: mean ± std over 100 lattices (thin: the other nets)")
    for p in probs[1:]:
        ax.plot(data.kappa_test, p.mean(1), "-", color="C0", alpha=0.4, lw=1)
    ax.axhline(0.5, color="gray", lw=0.8)
    ax.axvspan(k_star - err, k_star + err, color="C0", alpha=0.2, label=f"κ* = {k_star:.4f} ± {err:.4f}")
    ax.set(xlabel="κ", ylabel="P(broken phase)", ylim=(-0.05, 1.05),
           title=f"S5.2d: CNN ({n_nets} trained net{'s' if n_nets > 1 else ''}) vs the magnetisation")
    bx = ax.twinx()
    bx.plot(data.kappa_test, shipped_m, "s--", color="C3", ms=3, label="mean |m|")
    bx.plot(data.kappa_test, chi / chi.max() * shipped_m.max(), ":", color="C2", label="susceptibility χ (scaled)")
    bx.axvline(k_steep, color="C3", lw=1, ls="--", label=f"steepest rise of mean |m|: κ = {k_steep:.4f}")
    bx.axvline(k_chi, color="C2", lw=1, ls=":", label=f"peak of χ: κ = {k_chi:.4f}")
    bx.set_ylabel("mean |m|")
    lines = ax.get_legend_handles_labels()
    more = bx.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="upper left")
    fig.tight_layout()
    path_d = res.figure("S5.2d", "prediction_vs_kappa")
    fig.savefig(path_d, dpi=110)
    plt.close(fig)
    res.add("S5.2d", "prediction per κ; κ* from the 0.5 crossing vs where the magnetisation rises",
            {"κ*": k_star, "± (bootstrap)": err_boot, "± (training, nets)": err_nets,
             "κ steepest rise of mean|m|": k_steep, "κ of max susceptibility": k_chi},
            [path_d], check=np.isfinite(k_star) and abs(k_star - k_steep) < 0.02)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
