"""S5.3 — uncertainties in amplitude regression: an ensemble of 10 nets, and a Bayesian net (VBLinear).

Data: q q̄ → γγg events from `tinynn.datasets.amplitude_splits` (the sheet's NJet gg → γγg events are
not public; the substitute has the same layout: 5 four-momenta = 20 inputs, target the squared
amplitude A). Inputs and log A are standardised with the training set's mean and width.

(a) Ensemble: 10 nets 20→32→32→1 (ReLU), MSE, Adam 1e-3, each from its own random initialisation
    and batch order. Per test event: mean μ and spread σ of the 10 predictions of log A.
    Event level: does the band [−σ, σ] cover the deviation μ − log A_true? σ is the spread of the
    *single* nets, so it describes how far one net's prediction strays; the mean of 10 strays about
    σ/√10 as far if the nets err independently — so the band over-covers μ's deviations and should
    cover about 68 % of the single nets' deviations.
    Histogram level: a histogram of log A per net; the spread of the 10 bin heights compared with the
    statistical (Poisson) uncertainty √N of a bin holding N events.
(b) ELBO. For any q(θ), with the posterior p(θ|D) = p(D|θ) p(θ) / p(D):
        0 ≤ KL[q(θ), p(θ|D)] = ∫ q log q/p(θ|D) = ∫ q log q − ∫ q log p(D|θ) − ∫ q log p(θ) + log p(D)
    ⇒  log p(D) ≥ ⟨log p(D|θ)⟩_q − KL[q(θ), p(θ)]  =: ELBO, the Evidence Lower BOund.
    log p(D) does not depend on q, so maximising the ELBO minimises the KL to the true posterior.
    Per training event (N of them) the loss is
        L = −(1/N) Σ_i ⟨log p(y_i | x_i, θ)⟩_q + KL[q, p] / N.
    With q = Π_j N(μ_j, σ_j²) (uncorrelated) and the prior p = Π_j N(0, σ_p²) the KL is a sum of
    one-dimensional terms in closed form:  KL = Σ_j ½ [(μ_j² + σ_j²)/σ_p² − 1 − log(σ_j²/σ_p²)].
    A Gaussian likelihood turns the first term into −log p = (y − f_θ(x))²/(2σ_θ(x)²) + ½ log σ_θ(x)²
    + const: the MSE, weighted by a learned width (here the net's second output, log σ²).
    Limits: the KL grows with the number of Bayesian parameters, the likelihood term does not; with
    (almost) no parameters the likelihood dominates (a plain fit), with infinitely many the KL
    dominates and pins every weight to the prior (the net cannot fit, σ_j → σ_p).
(c) In practice: replace each Linear by a VBLinear (means and log-variances per weight), train on the
    loss above with the local reparameterisation trick (one noise draw per pre-activation), evaluate
    by drawing weight sets θ_i ~ q and taking mean and spread of their predictions. Against an
    ensemble: one training instead of ten and a principled uncertainty; but twice the parameters, a
    prior and a KL weight to choose, slower convergence, and a spread that can be too narrow when q
    is too simple. Ensembles are trivial to implement and parallel, and often well calibrated.
(d) The BNN is 20→64→64→2 (mean and log σ² of log A): twice the ensemble nets' width, since the weight
    noise costs capacity, trained with Adam from 3e-3 on a cosine decay (with a constant 1e-3 it stays
    about twice as far from the truth as the ensemble). One weight sample θ_i predicts log A for the test set.
(e) 30 samples θ_i: mean and spread σ_BNN per event; the predictive width adds the learned σ:
    σ_total² = σ_BNN² + σ_learned². Compared with the ensemble as in (a), and against log A: both σ grow
    toward the sparse large-log A tail, where the deviations grow faster and the coverage falls.

Checks (functions shared with tests/examples/test_s5_checks.py): the ensemble mean beats the mean
predictor by 4× and single nets by ≥ 20 %, σ_ens covers 50–85 % of single-net deviations; the BNN
mean is within 1.5× (quick: 2×) of the ensemble mean's error and σ_total covers 50–95 %.
Quick mode: 5 nets × 25 epochs on 15,000 events, BNN 15 epochs; full: 10 nets × 100 epochs on
30,000 events, BNN 80 epochs.

    python examples/s5_amplitudes.py [--quick | --full] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from _s5_uncertainty import by_log_a, coverage, event_figure, histogram_figure, histogram_spread
from tinynn.data import Standardizer
from tinynn.datasets import amplitude_splits
from tinynn.train import LambdaCallback, fit, predict


def prepare(splits):
    """Standardised inputs (n, 20) and standardised log A (n, 1), both from the training statistics."""
    x_scale, y_scale = Standardizer(), Standardizer()
    x_scale.fit(splits["train"][0].reshape(-1, 20))
    y_scale.fit(np.log(splits["train"][1])[:, None])
    data = {k: (x_scale.transform(p.reshape(-1, 20)).astype(np.float32),
                y_scale.transform(np.log(a)[:, None]).astype(np.float32)) for k, (p, a) in splits.items()}
    return data, y_scale


def regression_net(n_out=1, layer=nn.Linear):
    return nn.Sequential(layer(20, 32), nn.ReLU(), layer(32, 32), nn.ReLU(), layer(32, n_out))


def to_log_a(y_scale, pred):
    """Standardised predictions (..., n) -> log A."""
    return pred * y_scale.scale[0] + y_scale.mean[0]


def train_ensemble(data, n_nets, epochs, batch_size):
    """n_nets independent nets; returns their standardised test predictions (n_nets, n_test)."""
    preds, val = [], []
    for _ in tqdm(range(n_nets), desc="S5.3a ensemble", unit="net"):
        net = regression_net()
        hist = fit(net, nn.MSELoss(), optim.Adam(net.parameters(), lr=1e-3), data["train"], epochs=epochs,
                   batch_size=batch_size, validation_data=data["val"], verbose=0)
        val.append(hist.history["val_loss"][-1])
        preds.append(predict(net, data["test"][0], batch_size=4096)[:, 0])
    return np.array(preds), np.array(val)


def train_bnn(data, epochs, batch_size, width, lr):
    """A BNN 20→width→width→2 (mean, log σ²) trained on the ELBO: Gaussian NLL + KL / N_train, with a
    cosine learning-rate decay (the weight noise of the local reparameterisation needs a falling step
    size to settle; a constant 1e-3 leaves the BNN far behind the ensemble)."""
    bnn = nn.Sequential(nn.VBLinear(20, width), nn.ReLU(), nn.VBLinear(width, width), nn.ReLU(), nn.VBLinear(width, 2))
    n_train = len(data["train"][0])
    gauss = nn.GaussianNLLLoss()

    def elbo_loss(out, y):
        return gauss(out[:, :1], y, out[:, 1:].exp()) + nn.total_kl(bnn) / n_train

    opt = optim.Adam(bnn.parameters(), lr=lr)
    schedule = optim.CosineAnnealingLR(opt, epochs)
    bar = tqdm(total=epochs, desc="S5.3d BNN", unit="epoch")

    def epoch_end(epoch, logs):
        schedule.step()
        bar.update()
        bar.set_postfix(loss=f"{logs['loss']:.3f}")

    hist = fit(bnn, elbo_loss, opt, data["train"], epochs=epochs, batch_size=batch_size, verbose=0,
               callbacks=[LambdaCallback(on_epoch_end=epoch_end)])
    bar.close()
    return bnn, hist


def ensemble_check(rms_mean, rms_single, rms_baseline, cov_single):
    """The lesson of S5.3a as numbers: the nets learned log A (the ensemble mean's RMS error below ¼ of
    the mean predictor's, i.e. of the spread of log A); averaging helps (the mean's error at most 0.8 of
    a single net's: identical nets would give 1); σ_ens is the size of a single net's error (it covers
    50–85 % of the single-net deviations; 68 % for Gaussian errors)."""
    return bool(rms_mean < 0.25 * rms_baseline and rms_mean <= 0.8 * rms_single and 0.5 <= cov_single <= 0.85)


def bnn_check(rms_bnn, rms_ens, rms_baseline, cov_total, factor=1.5):
    """The lesson of S5.3e as numbers: the BNN learned log A (RMS error below ¼ of the mean predictor's),
    its mean is comparable to the ensemble mean (RMS ≤ factor × the ensemble's), and its total σ
    (spread of the samples ⊕ learned width) is neither over-confident nor much too wide: it covers 50–95 %
    of the deviations (68 % for Gaussian errors; 95 % when σ is twice too large)."""
    return bool(rms_bnn < 0.25 * rms_baseline and rms_bnn <= factor * rms_ens and 0.5 <= cov_total <= 0.95)


def elbo_terms(bnn, data):
    """The two terms of the per-event ELBO loss on the training set: −⟨log p(y|x,θ)⟩ (Gaussian NLL, one
    noise draw as in training) and KL[q, p]/N, and the number of Bayesian weights."""
    x, y = data["train"]
    bnn.train()
    with tn.no_grad():
        out = bnn(tn.tensor(x))
        nll = nn.GaussianNLLLoss()(out[:, :1], tn.tensor(y), out[:, 1:].exp()).item()
        kl = nn.total_kl(bnn).item() / len(x)
    n_weights = sum(m.mu_w.data.size for m in bnn.modules() if isinstance(m, nn.VBLinear))
    return nll, kl, n_weights


def sample_bnn(bnn, x, n_samples):
    """Predictions of n_samples weight sets θ_i ~ q: means (n_samples, n) and widths σ (n_samples, n)."""
    means, widths = [], []
    for _ in range(n_samples):
        nn.resample(bnn)                       # a new θ_i, kept fixed for the whole test set
        out = predict(bnn, x, batch_size=4096)
        means.append(out[:, 0])
        widths.append(np.exp(0.5 * out[:, 1]))
    return np.array(means), np.array(widths)


def rms(x):
    return float(np.sqrt(np.mean(np.square(x))))


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    res = Results("s5_amplitudes", args)
    if args.quick:
        sizes, n_nets, epochs, batch, bnn_epochs, factor = (15_000, 2_000, 5_000), 5, 25, 64, 15, 2.0
    else:
        sizes, n_nets, epochs, batch, bnn_epochs, factor = (30_000, 10_000, 30_000), 10, 100, 128, 80, 1.5
    data, y_scale = prepare(amplitude_splits(*sizes, seed=args.seed))
    log_a_true = to_log_a(y_scale, data["test"][1][:, 0])
    rms_baseline = rms(log_a_true - to_log_a(y_scale, 0.0))    # the mean predictor (training mean of log A)
    bins = np.linspace(*np.quantile(log_a_true, [0.001, 0.999]), 31)

    # (a) ensemble
    preds, val = train_ensemble(data, n_nets, epochs, batch)
    log_a = to_log_a(y_scale, preds)
    mu, sigma = log_a.mean(0), log_a.std(0, ddof=1)
    dev = mu - log_a_true
    rms_ens, rms_single = rms(dev), float(np.mean([rms(p - log_a_true) for p in log_a]))
    cov_single = coverage(log_a - log_a_true, sigma)[0]   # σ is the spread of single nets: does it cover them?
    cov1, cov2 = coverage(dev, sigma)
    pull_single = float(((log_a - log_a_true) / sigma).std())
    path_ev = event_figure(res, "S5.3a", "ensemble_event_level", f"ensemble of {n_nets}", log_a[0] - log_a_true,
                           [("σ_ens", sigma)], dev_label="of one net: f₁ − log A_true")
    ens_hist = histogram_spread(log_a, log_a_true, bins)
    ens_label = f"ensemble of {n_nets}"
    path_h, ratio = histogram_figure(res, "S5.3a", "ensemble_histogram_level", bins, [(ens_label, *ens_hist)])
    res.add("S5.3a", f"ensemble of {n_nets} nets 20→32→32→1: event- and histogram-level uncertainty",
            {"val MSE (std. units, mean)": float(val.mean()), "RMS Δlog A: mean predictor": rms_baseline,
             "RMS Δlog A: ensemble mean": rms_ens, "RMS Δlog A: single nets (mean)": rms_single,
             "median σ_ens": float(np.median(sigma)),
             "coverage ±σ_ens of single-net deviations": cov_single, "pull std (single nets)": pull_single,
             "coverage ±σ / ±2σ of the mean's deviations": f"{cov1:.2f} / {cov2:.2f}",
             "median spread/√N": ratio[ens_label]},
            [path_ev, path_h], check=ensemble_check(rms_ens, rms_single, rms_baseline, cov_single))

    # (b, c) the ELBO's two terms after training; (d) BNN: one posterior sample
    bnn, hist = train_bnn(data, bnn_epochs, batch, width=64, lr=3e-3)
    nll, kl, n_weights = elbo_terms(bnn, data)
    res.add("S5.3b-c", "ELBO = likelihood term + KL/N (derivation in the docstring), trained BNN",
            {"Bayesian weights": n_weights, "N train": len(data["train"][0]), "−⟨log p(y|x,θ)⟩": nll, "KL/N": kl,
             "Gaussian NLL of the mean predictor": 0.5 * (1 + np.log(2 * np.pi))},
            check=np.isfinite(nll) and kl > 0 and nll < 0.5 * (1 + np.log(2 * np.pi)))
    one_mean, one_width = sample_bnn(bnn, data["test"][0], 1)
    one = to_log_a(y_scale, one_mean[0])
    rms_one = rms(one - log_a_true)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax.plot(log_a_true, one, ".", ms=1.5, alpha=0.5)
    ax.plot(bins[[0, -1]], bins[[0, -1]], "k--", lw=1, label="prediction = truth")
    ax.set(xlabel="log A (truth)", ylabel="log A (one BNN sample θ_i)", aspect="equal",
           title=f"S5.3d: one posterior sample, RMS Δ = {rms_one:.3f}")
    ax.legend(fontsize=8)
    bx.hist(log_a_true, bins, histtype="step", color="k", label="truth")
    bx.hist(one, bins, histtype="step", color="C1", label="one BNN sample θ_i")
    bx.set(xlabel="log A", ylabel="events per bin", yscale="log", title="distribution of log A")
    bx.legend(fontsize=8)
    fig.tight_layout()
    path_one = res.figure("S5.3d", "bnn_one_sample")
    fig.savefig(path_one, dpi=100)
    plt.close(fig)
    res.add("S5.3d", "Bayesian net (VBLinear 20→64→64→2, ELBO = Gaussian NLL + KL/N): one posterior sample",
            {"final ELBO loss": hist.history["loss"][-1], "RMS Δlog A (one sample)": rms_one,
             "RMS Δlog A: mean predictor": rms_baseline},
            [path_one], check=rms_one < 0.25 * rms_baseline)

    # (e) 30 samples: uncertainties compared with the ensemble
    means, widths = sample_bnn(bnn, data["test"][0], 30)
    log_a_bnn = to_log_a(y_scale, means)
    mu_b, sigma_b = log_a_bnn.mean(0), log_a_bnn.std(0, ddof=1)
    sigma_stoch = np.sqrt((widths**2).mean(0)) * y_scale.scale[0]   # the learned likelihood width
    sigma_tot = np.sqrt(sigma_b**2 + sigma_stoch**2)                 # model spread ⊕ learned width
    dev_b = mu_b - log_a_true
    rms_bnn = rms(dev_b)
    cov_b, cov_total = coverage(dev_b, sigma_b)[0], coverage(dev_b, sigma_tot)[0]
    path_evb = event_figure(res, "S5.3e", "bnn_event_level", "BNN, 30 samples", dev_b,
                            [("σ_total (spread ⊕ learned width)", sigma_tot), ("σ_BNN (spread of 30 samples)", sigma_b)])
    bnn_hist = histogram_spread(log_a_bnn, log_a_true, bins)
    path_hb, ratio_b = histogram_figure(res, "S5.3e", "bnn_vs_ensemble_histogram_level", bins,
                                        [(ens_label, *ens_hist), ("BNN, 30 samples", *bnn_hist)])
    path_la = by_log_a(res, log_a_true, bins[::2],
                       [("σ_ens (spread of the nets)", sigma, "o-"), ("σ_BNN (spread of 30 samples)", sigma_b, "s-"),
                        ("σ_total BNN (⊕ learned width)", sigma_tot, "^-"),
                        ("|single net − truth|", np.abs(log_a[0] - log_a_true), "k:"),
                        ("|BNN mean − truth|", np.abs(dev_b), "k--")],
                       [("ensemble: ±σ_ens around single nets", (np.abs(log_a - log_a_true) < sigma).mean(0), "o-"),
                        ("BNN: ±σ_BNN around its mean", np.abs(dev_b) < sigma_b, "s-"),
                        ("BNN: ±σ_total around its mean", np.abs(dev_b) < sigma_tot, "^-")])
    fig, ax = plt.subplots(figsize=(6, 5))
    hb = ax.hexbin(sigma, sigma_b, xscale="log", yscale="log", bins="log", gridsize=40, cmap="Blues", mincnt=1)
    fig.colorbar(hb, ax=ax, label="events per cell")
    lo, hi = np.quantile(np.concatenate([sigma, sigma_b]), [0.001, 0.999])
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="σ_BNN = σ_ens")
    ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2) if lo / 2 <= t <= hi * 2]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set(xlabel="σ ensemble (per event)", ylabel="σ BNN (spread of 30 samples)",
           title="S5.3e: per-event uncertainty, BNN vs ensemble")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    path_sc = res.figure("S5.3e", "sigma_bnn_vs_ensemble")
    fig.savefig(path_sc, dpi=100)
    plt.close(fig)
    corr = float(np.corrcoef(np.log(sigma), np.log(sigma_b))[0, 1])
    numbers = {"RMS Δlog A: BNN mean": rms_bnn, "RMS Δlog A: ensemble mean": rms_ens,
               "ratio BNN / ensemble": rms_bnn / rms_ens, "median σ_BNN": float(np.median(sigma_b)),
               "median learned width": float(np.median(sigma_stoch)), "median σ_ens": float(np.median(sigma)),
               "coverage ±σ_BNN / ±σ_total (BNN)": f"{cov_b:.2f} / {cov_total:.2f}",
               "pull std σ_total (BNN)": float((dev_b / sigma_tot).std()),
               "coverage ±σ_ens of single nets": cov_single, "corr(log σ_BNN, log σ_ens)": corr,
               "median spread/√N (BNN)": ratio_b["BNN, 30 samples"]}
    if args.quick:
        numbers["note"] = f"quick: BNN trained {bnn_epochs} epochs, checked within {factor}× the ensemble; --full: 1.5×"
    res.add("S5.3e", "30 BNN samples vs the ensemble: accuracy, σ, coverage (also against log A)", numbers,
            [path_evb, path_la, path_hb, path_sc], check=bnn_check(rms_bnn, rms_ens, rms_baseline, cov_total, factor))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
