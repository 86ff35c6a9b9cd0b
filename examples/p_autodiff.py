"""P2 — why autodiff: the forward difference against the exact gradient as ε shrinks (Physics 361, lecture 5).

f is the mean squared error of a small tanh network (2 → 16 → 1, fixed random data) as a function of
one of its weights θ. Backpropagation gives f'(θ) exactly, up to rounding in the last digits. The
forward difference (f(θ + ε) − f(θ)) / ε has two errors:
  truncation  ≈ ε |f''| / 2                  (Taylor: f(θ+ε) = f + ε f' + ε² f''/2 + …), falls with ε;
  round-off   ≈ 2 u |f| / ε                  (each f is stored to relative precision u = machine ε / 2,
                                              and the difference of two nearly equal numbers is divided
                                              by ε), grows as ε shrinks.
Their sum is smallest near ε* = 2 √(u |f| / |f''|) ~ √u: about 1e-8 in float64 (leaving ~8 correct
digits, not 16) and 3e-4 in float32 (~3–4 digits). The central difference (f(θ+ε) − f(θ−ε)) / 2ε
has truncation ε² |f'''| / 6, so its best ε is larger (~u^⅓) and its best error smaller — but it
still loses a third of the digits and needs two evaluations per parameter, where backpropagation
gets all N parameters' derivatives exactly from one backward pass.

Second derivatives (P2b): the gradient is itself a differentiable computation, so backpropagating
through the backward pass (tinynn.autograd.grad with create_graph=True, "double backward") gives
f''(θ) exactly too, and f⁗(θ) by doing it four times. The second-order central difference
(f(θ+ε) − 2f(θ) + f(θ−ε)) / ε² has truncation ε² |f⁗| / 12 and round-off 4u|f| / ε², so its best
ε is ε* = (48 u |f| / |f⁗|)^¼ ~ u^¼ (about 1e-4 in float64) and it keeps only about half the digits,
while double backward agrees with the closed form (evaluated in extended precision) to rounding.

    python examples/p_autodiff.py [--quick] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.nn as nn
from _common import Results, parse_args


def make_problem(seed):
    """A 2 → 16 → 1 tanh net in float64, data (x, y), and the index of the weight we vary."""
    tn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 2))
    y = np.sin(x[:, :1]) + 0.1 * rng.normal(size=(64, 1))
    net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    return net, x, y


def loss_function(net, x, y, dtype):
    """θ ↦ f(θ): the MSE with the weight net[0].weight[0, 0] set to θ, evaluated in `dtype` throughout
    (a copy of the network, the data and all arithmetic in that precision)."""
    copy = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).to(dtype)
    copy.load_state_dict(net.state_dict())
    xt, yt = tn.tensor(x.astype(dtype)), tn.tensor(y.astype(dtype))

    def f(theta):
        copy[0].weight.data[0, 0] = theta
        with tn.no_grad():
            return nn.MSELoss()(copy(xt), yt).numpy()[()]       # a numpy scalar of `dtype`
    return f


def exact_gradient(net, x, y):
    """∂f/∂θ by backpropagation (float64), and f itself."""
    net.zero_grad()
    loss = nn.MSELoss()(net(tn.tensor(x)), tn.tensor(y))
    loss.backward()
    return float(net[0].weight.grad[0, 0]), float(loss.item())


def derivatives(net, x, y, order):
    """[f, f', f'', ..., f^(order)] at θ = net[0].weight[0, 0], each by backpropagating through the
    previous derivative's graph (create_graph=True keeps the backward pass differentiable)."""
    w = net[0].weight
    d = nn.MSELoss()(net(tn.tensor(x)), tn.tensor(y))
    values = [d.item()]
    for k in range(order):
        (g,) = tn.autograd.grad(d, w, create_graph=k < order - 1)
        d = g[0, 0]
        values.append(d.item())
    return values


def second_derivative_closed_form(net, x, y):
    """f''(θ) by hand, in long double (more precise than float64 on x86): θ only enters hidden unit 0,
    z₀ = θ x₀ + …, t₀ = tanh z₀, prediction p = Σ_j v_j t_j + c, residual r = p − y, f = ⟨r²⟩, so
        p' = v₀ (1 − t₀²) x₀,   p'' = −2 v₀ t₀ (1 − t₀²) x₀²,   f'' = ⟨2 p'² + 2 r p''⟩."""
    ld = np.longdouble
    W, b = net[0].weight.numpy().astype(ld), net[0].bias.numpy().astype(ld)
    V, c = net[2].weight.numpy().astype(ld), net[2].bias.numpy().astype(ld)
    x, y = x.astype(ld), y.astype(ld)
    t = np.tanh(x @ W.T + b)
    r = (t @ V.T + c - y)[:, 0]
    dp = V[0, 0] * (1 - t[:, 0] ** 2) * x[:, 0]
    d2p = -2 * V[0, 0] * t[:, 0] * (1 - t[:, 0] ** 2) * x[:, 0] ** 2
    return np.mean(2 * dp * dp + 2 * r * d2p)


def second_derivative_lesson(best_eps, predicted_eps, err_autodiff, best_fd64, best_fd32):
    """The lesson of P2b: the best step of the second difference lies within a decade of ε* ~ u^¼, double
    backward agrees with the closed form to rounding (< 1e-13), a thousand times better than the best
    difference, and float32 differences are worse than float64 ones. A double backward that missed a
    term (e.g. treated a saved value as a constant) fails the second condition."""
    return bool(predicted_eps / 10 <= best_eps <= predicted_eps * 10 and err_autodiff < 1e-13
                and best_fd64 > 1e3 * max(err_autodiff, 1e-16) and best_fd32 > best_fd64)


def second_differences(res, net, x, y, theta, quick):
    """P2b: double backward against (f(θ+ε) − 2f(θ) + f(θ−ε)) / ε² as ε shrinks."""
    f0, _, f2, _, f4 = derivatives(net, x, y, 4)
    exact = second_derivative_closed_form(net, x, y)
    err_autodiff = float(abs((np.longdouble(f2) - exact) / exact))
    f64, f32 = loss_function(net, x, y, np.float64), loss_function(net, x, y, np.float32)
    eps = np.logspace(-9, 0, 28 if quick else 91)
    t32 = np.float32(theta)
    err = {"float64": np.array([abs((f64(theta + e) - 2 * f64(theta) + f64(theta - e)) / e**2 - f2) for e in eps]),
           "float32": np.array([abs(float((f32(t32 + np.float32(e)) - 2 * f32(t32) + f32(t32 - np.float32(e)))
                                           / np.float32(e) ** 2) - f2) for e in eps])}
    u = {"float64": np.finfo(np.float64).eps / 2, "float32": np.finfo(np.float32).eps / 2}
    model = {k: eps**2 * abs(f4) / 12 + 4 * u[k] * abs(f0) / eps**2 for k in u}
    predicted = {k: (48 * u[k] * abs(f0) / abs(f4)) ** 0.25 for k in u}

    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    for (name, e), (c, m) in zip(err.items(), (("C0", "o"), ("C3", "s"))):
        ax.loglog(eps, np.maximum(e, 1e-18) / abs(f2), m, ms=3.5, color=c,
                  label=f"second-order central difference, {name}")
        ax.loglog(eps, model[name] / abs(f2), "-", color=c, lw=1, alpha=0.7,
                  label=f"model ε²|f⁗|/12 + 4u|f|/ε², {name}")
        ax.axvline(predicted[name], color=c, ls=":", lw=1)
    ax.axhline(max(err_autodiff, 1e-17), color="k", lw=1.5,
               label=f"double backward vs closed form: {err_autodiff:.1e}")
    ax.text(predicted["float64"] * 1.3, 1e-14, "ε* ≈ u^¼\n(float64)", color="C0", fontsize=9)
    ax.text(predicted["float32"] * 1.3, 1e-14, "ε* (float32)", color="C3", fontsize=9)
    ax.set(xlabel="step ε", ylabel="relative error of f''(θ)", ylim=(1e-17, 1e3),
           title="P2b: the second derivative, double backward vs finite differences\n"
                 "truncation falls as ε², round-off grows as 1/ε²")
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 0.1))
    ax.grid(alpha=0.3, which="both", lw=0.4)
    fig.tight_layout()
    path = res.figure("P2", "second_derivative")
    fig.savefig(path, dpi=110)
    plt.close(fig)

    i64, i32 = int(np.argmin(err["float64"])), int(np.argmin(err["float32"]))
    r64, r32 = err["float64"][i64] / abs(f2), err["float32"][i32] / abs(f2)
    ok = second_derivative_lesson(eps[i64], predicted["float64"], err_autodiff, r64, r32)
    res.add("P2b", "second derivative: double backward vs second-order central differences",
            {"f''(θ) double backward": f2, "f''(θ) closed form": float(exact), "rel. error double backward":
             err_autodiff, "f⁗(θ) (4x backward)": f4, "best ε float64": float(eps[i64]),
             "predicted ε* float64": predicted["float64"], "u^(1/4) float64": u["float64"] ** 0.25,
             "best rel. error float64": float(r64), "best ε float32": float(eps[i32]),
             "best rel. error float32": float(r32)}, [path], check=ok)
    print(f"  second difference, float64: best at ε ≈ {eps[i64]:.1e} (predicted {predicted['float64']:.1e}, "
          f"u^¼ = {u['float64'] ** 0.25:.1e}), relative error {r64:.1e}; double backward {err_autodiff:.1e}.")


def main():
    args = parse_args(__doc__)
    res = Results("p_autodiff", args)
    net, x, y = make_problem(args.seed)
    theta = float(net[0].weight.data[0, 0])
    g, f0 = exact_gradient(net, x, y)
    f64, f32 = loss_function(net, x, y, np.float64), loss_function(net, x, y, np.float32)
    eps = np.logspace(-16, -1, 31 if args.quick else 121)

    err = {}
    err["forward, float64"] = np.array([abs((f64(theta + e) - f64(theta)) / e - g) for e in eps])
    err["central, float64"] = np.array([abs((f64(theta + e) - f64(theta - e)) / (2 * e) - g) for e in eps])
    t32 = np.float32(theta)
    err["forward, float32"] = np.array([abs(float((f32(t32 + np.float32(e)) - f32(t32)) / np.float32(e)) - g)
                                        for e in eps])
    f2 = derivatives(net, x, y, 2)[2]            # the model lines need f'': by double backward (P2b)
    u64, u32 = np.finfo(np.float64).eps / 2, np.finfo(np.float32).eps / 2
    model64 = eps * abs(f2) / 2 + 2 * u64 * abs(f0) / eps
    model32 = eps * abs(f2) / 2 + 2 * u32 * abs(f0) / eps

    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    styles = {"forward, float64": ("C0", "o"), "central, float64": ("C2", "^"), "forward, float32": ("C3", "s")}
    for name, e in err.items():
        c, m = styles[name]
        ax.loglog(eps, np.maximum(e, 1e-18) / abs(g), m, ms=3.5, color=c, label=f"{name} difference")
    ax.loglog(eps, model64 / abs(g), "-", color="C0", lw=1, alpha=0.7,
              label="model: ε|f''|/2 + 2u|f|/ε, float64")
    ax.loglog(eps, model32 / abs(g), "-", color="C3", lw=1, alpha=0.7, label="same model, float32")
    ax.axvline(np.sqrt(u64), color="gray", ls=":", lw=1)
    ax.text(np.sqrt(u64) * 1.3, 2e-13, "√u (float64)", color="gray", fontsize=9)
    ax.text(2e-16, 12, "float32: θ + ε rounds to θ, so the difference is 0 (error 100 %)", color="C3",
            fontsize=8.5, va="bottom")
    ax.set(xlabel="step ε", ylabel="relative error |FD − autodiff| / |autodiff|", ylim=(1e-13, 1e3),
           title="P2: finite differences vs the exact (autodiff) gradient\n"
                 "truncation falls with ε (slope +1), round-off grows (slope −1)")
    ax.legend(fontsize=8.5, loc="lower left")
    ax.grid(alpha=0.3, which="both", lw=0.4)
    fig.tight_layout()
    path = res.figure("P2", "finite_differences")
    fig.savefig(path, dpi=110)
    plt.close(fig)

    best = {name: (eps[np.nanargmin(e)], np.nanmin(e) / abs(g)) for name, e in err.items()}
    numbers = {"f(θ)": f0, "autodiff f'(θ)": g, "f''(θ)": f2}
    for name, (e_best, r_best) in best.items():
        numbers[f"best ε {name}"] = float(e_best)
        numbers[f"best rel. error {name}"] = float(r_best)
    at_1e15 = np.argmin(abs(eps - 1e-15))
    numbers["rel. error forward float64 at ε=1e-15"] = float(err["forward, float64"][at_1e15] / abs(g))
    e64, r64 = best["forward, float64"]
    e32, r32 = best["forward, float32"]
    ok = 1e-10 <= e64 <= 1e-6 and r64 < 1e-6 and 1e-5 <= e32 <= 1e-1 and r32 > 1e3 * r64 \
        and best["central, float64"][1] < r64
    res.add("P2", "forward difference vs autodiff as ε shrinks", numbers, [path], check=ok)
    print(f"  forward difference, float64: best at ε ≈ {e64:.1e} with relative error {r64:.1e} "
          f"(√u = {np.sqrt(u64):.1e}); float32: best at ε ≈ {e32:.1e}, relative error {r32:.1e}.")
    second_differences(res, net, x, y, theta, args.quick)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
