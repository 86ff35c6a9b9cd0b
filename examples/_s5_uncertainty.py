"""Uncertainty measures and figures of S5.3 (examples/s5_amplitudes.py): coverage, histogram spread,
the event-level band with pulls, the histogram-level spread against √N, and σ / coverage against log A."""
import matplotlib.pyplot as plt
import numpy as np


def coverage(dev, sigma):
    """Fraction of events with |deviation| < σ and < 2σ (68 % and 95 % for calibrated Gaussian errors)."""
    return float(np.mean(np.abs(dev) < sigma)), float(np.mean(np.abs(dev) < 2 * sigma))


def histogram_spread(log_a_samples, log_a_true, bins):
    """Bin heights of each sample's histogram: mean, spread, and the Poisson √N of the true counts."""
    counts = np.array([np.histogram(s, bins)[0] for s in log_a_samples])
    truth = np.histogram(log_a_true, bins)[0]
    return counts.mean(0), counts.std(0, ddof=1), truth


def event_figure(res, exercise, name, title, dev, bands, dev_label="μ − log A_true"):
    """Deviations for events sorted by the first band's σ, the ±σ bands drawn over the points, and pulls."""
    first = bands[0][1]
    order = np.argsort(first)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.5, 4.6))
    idx = np.arange(len(dev))
    ax.plot(idx, dev[order], ".", ms=1.5, color="0.55", alpha=0.5, zorder=1, label=f"deviation {dev_label}")
    for k, (label, sigma) in enumerate(bands):
        smooth = running_median(sigma[order], max(len(dev) // 100, 1))
        cov = coverage(dev, sigma)[0]
        ax.plot(idx, smooth, color=f"C{k}", lw=2, zorder=3, label=f"{label}: ±σ (running median), covers {cov:.0%}")
        ax.plot(idx, -smooth, color=f"C{k}", lw=2, zorder=3)
    lim = np.quantile(np.abs(dev), 0.995) * 1.2
    ax.set(xlabel=f"test events, sorted by {bands[0][0].split()[0]}", ylabel="Δ log A", ylim=(-lim, lim),
           title=f"{title}: deviations and their predicted σ")
    ax.legend(loc="upper left", fontsize=8, markerscale=6)
    z = np.linspace(-6, 6, 200)
    top = 0.4
    for k, (label, sigma) in enumerate(bands):
        pull = dev / sigma
        top = max(top, np.histogram(np.clip(pull, -6, 6), np.linspace(-6, 6, 61), density=True)[0].max())
        bx.hist(np.clip(pull, -6, 6), np.linspace(-6, 6, 61), density=True, histtype="step", lw=1.5, color=f"C{k}",
                label=f"{label}: pull std {pull.std():.2f}")
    bx.plot(z, np.exp(-z**2 / 2) / np.sqrt(2 * np.pi), "k--", lw=1, label="N(0, 1): calibrated errors")
    bx.set(xlabel=f"pull ({dev_label}) / σ  (clipped to ±6)", ylabel="density", title="pulls",
           ylim=(0, 1.4 * top))                 # room for the legend above the histograms
    bx.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    path = res.figure(exercise, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def running_median(values, window):
    """Median over a sliding window (edges: the window shrinks), for a band that follows sorted σ."""
    pad = np.pad(values, window // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(pad, window), axis=1)[: len(values)]


def by_log_a(res, log_a_true, edges, series, coverages):
    """σ against log A (top) and coverage against log A (bottom), events per bin shaded: the sparse tail."""
    centres = 0.5 * (edges[1:] + edges[:-1])
    which = np.clip(np.digitize(log_a_true, edges) - 1, 0, len(centres) - 1)
    counts = np.bincount(which, minlength=len(centres))
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True)
    for label, values, style in series:
        med = np.array([np.median(values[which == b]) if counts[b] else np.nan for b in range(len(centres))])
        ax.plot(centres, med, style, ms=4, label=label)
    ax.set(ylabel="median per log A bin", yscale="log", title="S5.3: uncertainty and coverage across log A")
    lo, hi = ax.get_ylim()
    ticks = [t for t in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2) if lo <= t <= hi]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.legend(fontsize=8, loc="upper left")
    cx = ax.twinx()
    cx.bar(centres, counts, width=edges[1] - edges[0], color="gray", alpha=0.15)
    cx.set(ylabel="test events per bin (grey)", yscale="log")
    ax.set_zorder(cx.get_zorder() + 1)
    ax.patch.set_visible(False)
    for label, inside, style in coverages:
        frac = np.array([inside[which == b].mean() if counts[b] >= 10 else np.nan for b in range(len(centres))])
        bx.plot(centres, frac, style, ms=4, label=label)
    bx.axhline(0.683, color="k", lw=0.8, ls="--", label="68.3 % (calibrated Gaussian)")
    bx.set(xlabel="log A (truth)", ylabel="coverage ±σ (bins with ≥ 10 events)", ylim=(0, 1.05))
    bx.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    path = res.figure("S5.3e", "sigma_coverage_vs_log_a")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def histogram_figure(res, exercise, name, bins, entries):
    """log A histograms with the sample spread, and spread / √N per bin, for one or more methods."""
    fig, (ax, bx) = plt.subplots(2, 1, figsize=(7.5, 7), sharex=True, gridspec_kw=dict(height_ratios=(2, 1)))
    centres = 0.5 * (bins[1:] + bins[:-1])
    medians, all_ratios = {}, []
    for k, (label, mean, spread, truth) in enumerate(entries):
        if k == 0:
            ax.stairs(truth, bins, color="k", label="truth")
            ax.fill_between(centres, truth - np.sqrt(truth), truth + np.sqrt(truth), step="mid", color="gray",
                            alpha=0.3, label="truth ± √N (Poisson)")
        ax.errorbar(centres + 0.15 * k * (bins[1] - bins[0]), mean, spread, fmt=".", ms=3, capsize=2,
                    color=f"C{k}", label=f"{label}: mean ± spread of bin heights")
        ok = truth >= 10                       # √N is a fair yardstick only for bins with some events
        ratio = spread[ok] / np.sqrt(truth[ok])
        medians[label] = float(np.median(ratio))
        all_ratios.append(ratio[ratio > 0])
        bx.plot(centres[ok], np.where(ratio > 0, ratio, np.nan), "o-", ms=3, color=f"C{k}", label=label)
    truth = entries[0][3]
    ax.set(ylabel="events per bin", yscale="log", ylim=(0.5 * truth[truth > 0].min(), None),
           title="histogram level: training spread vs statistics")
    ax.legend(fontsize=8)
    bx.axhline(1, color="gray", lw=0.8)
    lo, hi = 0.8 * min(0.5, np.concatenate(all_ratios).min()), 1.25 * max(2, np.concatenate(all_ratios).max())
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5) if lo <= t <= hi]
    bx.set_yscale("log")
    bx.set_yticks(ticks, [f"{t:g}" for t in ticks])
    bx.set(xlabel="log A", ylabel="spread / √N  (bins with N ≥ 10)", ylim=(lo, hi))
    bx.minorticks_off()
    bx.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    path = res.figure(exercise, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path, medians
