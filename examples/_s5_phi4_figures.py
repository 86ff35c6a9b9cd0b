"""Figures of S5.2 (examples/s5_phi4_cnn.py): lattices and magnetisation across κ, and the CNN's
prediction per κ beside every κ estimate."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from tinynn.datasets import magnetisation


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


def kappa_figure(res, kappas, probs, mag, estimates, k_star, sigma_total, n_nets):
    """Left: P(broken) per κ (mean ± std over lattices) with ⟨|m|⟩ and χ. Right: every κ estimate."""
    mean_m, chi = mag
    fig, (ax, ex) = plt.subplots(1, 2, figsize=(13, 5.6), gridspec_kw=dict(width_ratios=(1.35, 1)))
    mean, std = probs.mean(0).mean(1), probs.mean(0).std(1)
    ax.axvspan(k_star - sigma_total, k_star + sigma_total, color="C0", alpha=0.15,
               label=f"κ* ± total uncertainty = {k_star:.4f} ± {sigma_total:.4f}")
    ax.errorbar(kappas, mean, std, fmt="o-", ms=4, capsize=2, color="C0",
                label=f"CNN (mean of {n_nets}): mean ± std over the 100 lattices per κ")
    for p in probs:
        ax.plot(kappas, p.mean(1), "-", color="C0", alpha=0.35, lw=0.8)
    ax.axhline(0.5, color="gray", lw=0.8)
    lo, hi = min(-0.05, (mean - std).min() - 0.03), max(1.05, (mean + std).max() + 0.03)
    ax.set(xlabel="κ", ylabel="P(broken phase)", ylim=(lo, hi),
           title="S5.2d: CNN prediction per κ (thin: single nets) and the magnetisation")
    bx = ax.twinx()
    bx.plot(kappas, mean_m, "s--", color="C3", ms=3, label="mean |m| (right axis)")
    bx.plot(kappas, chi / chi.max() * mean_m.max(), ":", color="C2", lw=2, label="susceptibility χ (scaled)")
    bx.set_ylabel("mean |m|")
    bx.set_ylim(lo / (hi - lo) * mean_m.max() * 1.0, None)
    handles = [h for a in (ax, bx) for h in a.get_legend_handles_labels()[0]]
    labels = [t for a in (ax, bx) for t in a.get_legend_handles_labels()[1]]
    ax.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)

    names = list(estimates)
    for i, name in enumerate(names):
        value, err, colour = estimates[name]
        ex.errorbar(value, i, xerr=err if err else None, fmt="o", color=colour, capsize=3)
    ex.axvspan(k_star - sigma_total, k_star + sigma_total, color="C0", alpha=0.15)
    ex.axvline(k_star, color="C0", lw=0.8)
    ex.set_yticks(range(len(names)), names, fontsize=8)
    ex.invert_yaxis()
    ex.xaxis.set_major_locator(MaxNLocator(5))
    ex.set(xlabel="κ", title="κ estimates (band: CNN κ* ± total)")
    ex.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path = res.figure("S5.2d", "prediction_vs_kappa")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
