"""S5.1 — what the two standard losses converge to, checked on 1-D densities whose answer is known.

(a) BCE: L[D] = ⟨−log D⟩_{p₁} + ⟨−log(1−D)⟩_{p₂} = ∫ dx [−p₁(x) log D(x) − p₂(x) log(1−D(x))].
    The integrand can be minimised at every x separately: d/dD = −p₁/D + p₂/(1−D) = 0 gives
        D*(x) = p₁(x) / (p₁(x) + p₂(x)),   so   t_LR(x) = p₁(x)/p₂(x) = D*(x) / (1 − D*(x)).
    (The second derivative p₁/D² + p₂/(1−D)² > 0: a minimum.) With a sigmoid output D = σ(f),
    D/(1−D) = e^f: the network's logit f estimates the log likelihood ratio. We train a small MLP on
    samples of p₁ = N(0, 1) and p₂ = ½N(−1.5, 0.7²) + ½N(1.5, 0.7²) (a ratio peaked at 0, not monotonic)
    and compare e^f with the exact ratio.
(b) NLL: L[q] = −∫ dx p(x) log q(x), with the constraint ∫ q = 1 (Lagrange multiplier λ):
        δ/δq [−∫ p log q + λ(∫ q − 1)] = −p/q + λ = 0  ⇒  q = p/λ,  and ∫ q = 1 ⇒ λ = 1, q = p.
    It is the unique minimum because L[q] − L[p] = KL(p‖q) ≥ 0, with equality only for q = p; the
    minimum value is the entropy H(p) = −∫ p log p. We fit a two-Gaussian mixture to samples of p₂ by
    minimising the NLL with Adam and recover the generating weights, means and widths.
    How well are they determined? Near the minimum θ̂ the total NLL is a parabola,
        NLL(θ) ≈ NLL(θ̂) + ½ (θ − θ̂)ᵀ H (θ − θ̂),   so θ̂ is distributed as N(θ, H⁻¹):
    the errors are √diag(H⁻¹) (what MINUIT's HESSE computes). H comes from double backward
    (tinynn.autograd.functional.hessian), and a few Newton steps θ ← θ − H⁻¹∇NLL polish Adam's
    minimum first. The check: refits on bootstrap resamples of the data scatter by the same amount,
    within the bootstrap's own precision 1/√(2(B−1)).

    python examples/s5_likelihood_ratio.py [--quick] [--out out] [--seed 0]
"""
import math
import sys

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.autograd.functional import hessian
from tinynn.datasets import two_densities
from tinynn.train import LambdaCallback, fit, predict


class GaussianMixture(nn.Module):
    """log q(x) for q = Σ_k w_k N(μ_k, σ_k²), with w = softmax(logits) and σ = e^{log σ} (so any real
    parameter values give a normalised density). forward: x (n,) -> log q(x) (n,)."""

    def __init__(self, means, sigmas):
        super().__init__()
        self.logits = nn.Parameter(np.zeros(len(means)), dtype=tn.float64)
        self.means = nn.Parameter(np.asarray(means, dtype=np.float64))
        self.log_sigmas = nn.Parameter(np.log(np.asarray(sigmas, dtype=np.float64)))

    def forward(self, x):
        z = (x.reshape(-1, 1) - self.means) / self.log_sigmas.exp()
        log_w = self.logits.log_softmax(axis=-1)
        return (log_w - 0.5 * z * z - self.log_sigmas - 0.5 * math.log(2 * math.pi)).logsumexp(axis=1)

    def components(self):
        """(weights, means, sigmas) as numpy arrays, ordered by mean (the labels of components are arbitrary)."""
        w = np.exp(self.logits.numpy() - np.logaddexp.reduce(self.logits.numpy()))
        order = np.argsort(self.means.numpy())
        return w[order], self.means.numpy()[order], np.exp(self.log_sigmas.numpy())[order]


def likelihood_ratio(res, x1, x2, p1, p2, epochs, lr):
    """S5.1a: a classifier's D/(1−D) against the exact p1/p2."""
    x = np.concatenate([x1, x2])[:, None]
    y = np.concatenate([np.ones(len(x1)), np.zeros(len(x2))])[:, None]
    net = nn.Sequential(nn.Linear(1, 32, dtype=tn.float64), nn.Tanh(), nn.Linear(32, 32, dtype=tn.float64),
                        nn.Tanh(), nn.Linear(32, 1, dtype=tn.float64))
    opt = optim.Adam(net.parameters(), lr=lr)
    schedule = optim.CosineAnnealingLR(opt, epochs)   # lr → 0 at the end: the last batches' noise averages out
    hist = fit(net, nn.BCEWithLogitsLoss(), opt, (x, y), epochs=epochs, batch_size=256, verbose=0,
               callbacks=[LambdaCallback(on_epoch_end=lambda epoch, logs: schedule.step())])
    lo, hi = np.quantile(x, [0.01, 0.99])               # where both classes have samples to learn from
    grid = np.linspace(-4, 4, 801)
    logit = predict(net, grid[:, None], batch_size=len(grid))[:, 0]
    log_r_true = p1.logpdf(grid) - p2.logpdf(grid)
    inside = (grid >= lo) & (grid <= hi)
    dev = np.abs(logit - log_r_true)[inside]
    # the error averaged over the data (where the classifier had something to learn from)
    dev_data = np.abs(predict(net, x, batch_size=len(x))[:, 0] - (p1.logpdf(x[:, 0]) - p2.logpdf(x[:, 0]))).mean()
    d_true = 1 / (1 + np.exp(-log_r_true))
    # the loss an exactly optimal D would reach on these samples, for comparison with the trained one
    bce_opt = -np.mean(np.concatenate([np.log(1 / (1 + np.exp(-(p1.logpdf(x1) - p2.logpdf(x1))))),
                                       np.log(1 / (1 + np.exp(p1.logpdf(x2) - p2.logpdf(x2))))]))

    fig, axes = plt.subplots(3, 1, figsize=(7, 9), sharex=True)
    bins = np.linspace(-4, 4, 61)
    axes[0].hist(x1, bins, density=True, alpha=0.4, color="C0", label="samples of p₁")
    axes[0].hist(x2, bins, density=True, alpha=0.4, color="C1", label="samples of p₂")
    axes[0].plot(grid, p1.pdf(grid), "C0", grid, p2.pdf(grid), "C1")
    axes[0].set(ylabel="density", title="S5.1a: a classifier learns the likelihood ratio")
    axes[0].legend(fontsize=8)
    axes[1].plot(grid, d_true, "k", lw=3, alpha=0.3, label="D* = p₁/(p₁+p₂)")
    axes[1].plot(grid, 1 / (1 + np.exp(-logit)), "C3--", label="trained D = σ(f)")
    axes[1].set(ylabel="D(x)")
    axes[1].legend(fontsize=8)
    axes[2].semilogy(grid, np.exp(log_r_true), "k", lw=3, alpha=0.3, label="exact p₁/p₂")
    axes[2].semilogy(grid, np.exp(logit), "C3--", label="D/(1−D) = e^f")
    ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10]
    axes[2].set_yticks(ticks, [f"{t:g}" for t in ticks])
    for ax in axes:
        ax.axvspan(-4, lo, color="gray", alpha=0.15)
        ax.axvspan(hi, 4, color="gray", alpha=0.15)
    axes[2].set(xlabel="x", ylabel="likelihood ratio", xlim=(-4, 4),
                title=f"max |log ratio error| = {dev.max():.3f} in the unshaded range (1–99 % of the data)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    path = res.figure("S5.1a", "likelihood_ratio")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    res.add("S5.1a", "classifier D/(1−D) vs the exact p1/p2",
            {"final BCE": hist.history["loss"][-1], "BCE of exact D*": bce_opt, "range": f"[{lo:.2f}, {hi:.2f}]",
             "max |Δ log ratio| in range": dev.max(), "mean |Δ log ratio| over the data": dev_data},
            [path], check=dev_data < 0.15 and hist.history["loss"][-1] - bce_opt < 0.01)


def nll_fit(res, x, p_true, steps):
    """S5.1b: fit a two-Gaussian mixture to samples of p_true by minimising the NLL."""
    model = GaussianMixture(means=[-0.5, 0.5], sigmas=[1.0, 1.0])
    opt = optim.Adam(model.parameters(), lr=0.05)
    xt = tn.tensor(x, dtype=tn.float64)
    curve = []
    for _ in range(steps):
        opt.zero_grad()
        nll = -model(xt).mean()
        nll.backward()
        opt.step()
        curve.append(nll.item())
    w, mu, sigma = model.components()
    order = np.argsort(p_true.means)
    w0, mu0, s0 = p_true.weights[order], p_true.means[order], p_true.sigmas[order]
    nll_fit_final = -model(xt).mean().item()
    nll_true = -np.mean(p_true.logpdf(x))
    grid = np.linspace(-6, 6, 4001)
    p = p_true.pdf(grid)
    entropy = -np.sum(p * p_true.logpdf(grid)) * (grid[1] - grid[0])   # H(p) = −∫ p log p
    err = max(np.abs(w - w0).max(), np.abs(mu - mu0).max(), np.abs(sigma - s0).max())

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    ax.hist(x, np.linspace(-4, 4, 61), density=True, alpha=0.35, color="C1", label=f"{len(x)} samples of p")
    ax.plot(grid, p, "k", lw=3, alpha=0.35, label="generating p")
    with tn.no_grad():
        ax.plot(grid, np.exp(model(tn.tensor(grid, dtype=tn.float64)).numpy()), "C3--", label="fitted q (NLL minimum)")
    ax.set(xlim=(-4, 4), xlabel="x", ylabel="density", title="S5.1b: maximum-likelihood fit of a 2-Gaussian mixture")
    ax.legend(fontsize=8)
    bx.plot(curve, label="NLL of q on the samples")
    bx.axhline(nll_true, color="k", ls="--", lw=1, label=f"NLL of the generating p: {nll_true:.4f}")
    bx.axhline(entropy, color="C2", ls=":", lw=1.5, label=f"entropy H(p) = {entropy:.4f}")
    bx.set(xlabel="Adam step", ylabel="−⟨log q(x)⟩", ylim=(entropy - 0.1, curve[0] + 0.05),
           title="loss − H(p) = KL(p‖q) → 0 (up to sampling noise)")
    bx.legend(fontsize=8)
    fig.tight_layout()
    path = res.figure("S5.1b", "nll_fit")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"    fitted  w = {np.round(w, 4)}, mu = {np.round(mu, 4)}, sigma = {np.round(sigma, 4)}")
    print(f"    true    w = {w0}, mu = {mu0}, sigma = {s0}")
    res.add("S5.1b", "NLL fit of a Gaussian mixture recovers the generating parameters",
            {"w": np.round(w, 3).tolist(), "mu": np.round(mu, 3).tolist(), "sigma": np.round(sigma, 3).tolist(),
             "max |fit-true|": err, "NLL fit": nll_fit_final, "NLL true": nll_true, "H(p)": entropy},
            [path], check=err < 0.1 and nll_fit_final <= nll_true + 1e-6)
    return np.array([w[0], mu[0], mu[1], sigma[0], sigma[1]])


NAMES = ("w₁", "μ₁", "μ₂", "σ₁", "σ₂")


def mixture_nll(theta, x):
    """Total NLL −Σ log q(x_i) of q = w₁ N(μ₁, σ₁²) + (1 − w₁) N(μ₂, σ₂²), θ = (w₁, μ₁, μ₂, σ₁, σ₂):
    the physical parameters, so H⁻¹ is their covariance directly (softmax logits are redundant)."""
    w, m1, m2, s1, s2 = (theta[i] for i in range(5))
    c = 0.5 * math.log(2 * math.pi)
    log1 = w.log() - 0.5 * ((x - m1) / s1) ** 2 - s1.log() - c
    log2 = (1 - w).log() - 0.5 * ((x - m2) / s2) ** 2 - s2.log() - c
    return -tn.stack([log1, log2], axis=1).logsumexp(axis=1).sum()


def newton_minimum(theta, x, steps=8):
    """θ̂ by Newton's method with the autodiff gradient and Hessian (halving a step that raises the NLL)."""
    xt = tn.tensor(x, dtype=tn.float64)
    f = lambda t: mixture_nll(t, xt)                      # noqa: E731
    for _ in range(steps):
        t = tn.tensor(theta, dtype=tn.float64, requires_grad=True)
        value = f(t)
        (g,) = tn.autograd.grad(value, t)
        step = np.linalg.solve(hessian(f, t).numpy(), g.numpy())
        for _ in range(20):
            new = theta - step
            if 0 < new[0] < 1 and min(new[3:]) > 0 and f(tn.tensor(new)).item() <= value.item() + 1e-9:
                break
            step = step / 2
        theta = new
        if np.abs(step).max() < 1e-10:
            break
    return theta, hessian(f, tn.tensor(theta, dtype=tn.float64)).numpy()


def refit(theta, x, h_inv, steps=12):
    """The NLL minimum of a resample, from θ̂ by quasi-Newton steps θ ← θ − H₀⁻¹ ∇NLL with the full
    sample's inverse Hessian H₀⁻¹ (the resample's differs by O(1/√n), so the steps converge fast): one
    gradient per step instead of a Hessian."""
    xt = tn.tensor(x, dtype=tn.float64)
    for _ in range(steps):
        t = tn.tensor(theta, dtype=tn.float64, requires_grad=True)
        (g,) = tn.autograd.grad(mixture_nll(t, xt), t)
        step = h_inv @ g.numpy()
        theta = theta - step
        if np.abs(step).max() < 1e-9:
            break
    return theta


def errors_agree(err_hesse, err_boot, n_boot):
    """(lesson holds, pulls, precision): the bootstrap spreads equal the HESSE errors within the bootstrap's
    own precision 1/√(2(B−1)) (|pull| < 3.5 for every parameter). The Hessian of the mean NLL instead of the
    total (errors √n too large), or a Hessian away from the minimum, fails it."""
    precision = 1 / math.sqrt(2 * (n_boot - 1))         # relative standard error of a std from n_boot samples
    pulls = (err_boot / err_hesse - 1) / precision
    return bool(np.all(np.isfinite(err_hesse)) and np.abs(pulls).max() < 3.5), pulls, precision


def hesse_errors(res, x, theta_adam, n_boot, seed):
    """S5.1b: parameter errors √diag(H⁻¹) of the NLL minimum against the spread of bootstrap refits."""
    theta, H = newton_minimum(theta_adam, x)
    cov = np.linalg.inv(H)
    err_hesse = np.sqrt(np.diag(cov))
    rng = np.random.default_rng(seed + 7)
    refits = np.array([refit(theta, rng.choice(x, len(x)), cov) for _ in range(n_boot)])
    err_boot = refits.std(axis=0, ddof=1)
    ratio = err_boot / err_hesse
    ok, pulls, precision = errors_agree(err_hesse, err_boot, n_boot)
    ok = ok and bool(np.all(np.linalg.eigvalsh(H) > 0))     # a minimum: H positive definite

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    k = np.arange(5)
    ax.errorbar(k, ratio, yerr=precision * ratio, fmt="o", color="C0", capsize=4,
                label=f"σ(bootstrap, B = {n_boot}) / σ(HESSE)")
    ax.axhline(1, color="k", lw=1)
    ax.axhspan(1 - 2 * precision, 1 + 2 * precision, color="gray", alpha=0.2, label="±2 bootstrap precision")
    ax.set_xticks(k, NAMES)
    ax.set(ylabel="error ratio", ylim=(1 - 6 * precision, 1 + 6 * precision),
           title="S5.1b: errors from the inverse Hessian of the NLL")
    ax.legend(fontsize=8, loc="upper right")
    i = 1
    bins = np.linspace(theta[i] - 4.5 * err_hesse[i], theta[i] + 4.5 * err_hesse[i], 31 if n_boot >= 150 else 19)
    bx.hist(refits[:, i], bins, density=True, alpha=0.45, color="C0", label=f"{n_boot} bootstrap refits")
    grid = np.linspace(bins[0], bins[-1], 300)
    bx.plot(grid, np.exp(-0.5 * ((grid - theta[i]) / err_hesse[i]) ** 2) / (err_hesse[i] * math.sqrt(2 * math.pi)),
            "C3", label=f"N(μ̂₁, H⁻¹₁₁): σ = {err_hesse[i]:.4f}")
    bx.set(xlabel="μ₁", ylabel="density", title="refits of μ₁ scatter as the Hessian predicts")
    bx.legend(fontsize=8)
    fig.tight_layout()
    path = res.figure("S5.1b", "hesse_errors")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    for name, t, e, b in zip(NAMES, theta, err_hesse, err_boot):
        print(f"    {name} = {t:8.4f} ± {e:.4f} (HESSE)   bootstrap spread {b:.4f}")
    res.add("S5.1b-errors", "parameter errors: inverse Hessian of the NLL (double backward) vs bootstrap refits",
            {"θ̂": np.round(theta, 4).tolist(), "σ HESSE": np.round(err_hesse, 4).tolist(),
             "σ bootstrap": np.round(err_boot, 4).tolist(), "max |pull| of the ratio": float(np.abs(pulls).max()),
             "bootstrap precision": precision, "corr(w₁, σ₁)": float(cov[0, 3] / (err_hesse[0] * err_hesse[3]))},
            [path], check=ok)


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    res = Results("s5_likelihood_ratio", args)
    n = 5_000 if args.quick else 50_000
    x1, x2, p1, p2 = two_densities(n=n, seed=args.seed)
    likelihood_ratio(res, x1, x2, p1, p2, epochs=20 if args.quick else 40, lr=1e-2 if args.quick else 3e-3)
    theta = nll_fit(res, x2, p2, steps=300 if args.quick else 1500)
    hesse_errors(res, x2, theta, n_boot=60 if args.quick else 150, seed=args.seed)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
