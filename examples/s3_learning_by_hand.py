"""S3.4 — learning by hand: L(x) = (sin(x₁/x₂) + x₁/x₂ − e^{x₂}) · (x₁/x₂ − e^{x₂}) at x = (1.5, 0.5).

(a) The graph: a = x₁/x₂ and b = e^{x₂} are computed once and used twice; c = sin a, s = c + a,
    d = s − b, e = a − b, L = d·e. The scalar engine (`tinynn.scalar.Value`) records exactly this graph and draws it.
(b) Forward trace: every node's value, printed with full float64 precision (repr round-trips).
(c) Backward trace: dL/d(node) for every node, by the chain rule from L back to the inputs:
        dL/dd = e,  dL/de = d,  dL/ds = dL/dd,  dL/dc = dL/ds,  dL/da = dL/ds + dL/de + cos(a)·dL/dc,
        dL/db = −dL/dd − dL/de,  dL/dx₁ = dL/da / x₂,  dL/dx₂ = −dL/da·x₁/x₂² + dL/db·e^{x₂}.
    No rounding: the numbers are exact float64 operations on the exact inputs. Checked against these
    formulas evaluated by hand (to 1e-12), against central differences, and against the tensor engine.
(d) Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, lr 0.1) on x₁ only, x₂ = 0.5 fixed:
        m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  x₁ ← x₁ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
    In the first step m̂ = g and √v̂ = |g|, so x₁ moves by lr·sign(g) (minus a hair for ε): Adam's step
    size is set by lr, not by the gradient. `tinynn.optim.Adam` does the steps on a Tensor; the same
    update written out by hand with the scalar engine's gradient gives the same x₁. Then Adam runs to
    convergence: x₁ settles where dL/dx₁ = 0, shown on the curve dL/dx₁(x₁) over [0, 2].

    python examples/s3_learning_by_hand.py [--quick] [--out out] [--seed 0]
"""
import math
import sys

import matplotlib.pyplot as plt
import numpy as np

import tinynn as tn
import tinynn.optim as optim
from _common import Results, parse_args
from tinynn.scalar import Value

X0 = (1.5, 0.5)


def loss_scalar(x1, x2):
    """L with the scalar engine; nodes labelled as in the docstring. Returns (L, x1, x2) as Values."""
    x1, x2 = Value(x1, label="x1"), Value(x2, label="x2")
    a, b = x1 / x2, x2.exp()
    a.label, b.label = "a", "b"
    c = a.sin()
    c.label = "c"
    s = c + a
    d, e = s - b, a - b
    s.label, d.label, e.label = "s", "d", "e"
    L = d * e
    L.label = "L"
    return L, x1, x2


def loss_tensor(x1, x2):
    """The same L with tensor ops (elementwise, so x1 may be a whole grid)."""
    a, b = x1 / x2, x2.exp()
    return (a.sin() + a - b) * (a - b)


def closed_form_grad(x1, x2):
    """dL/dx by hand (the chain rule of the docstring written out), in plain floats."""
    a, b = x1 / x2, math.exp(x2)
    d, e = math.sin(a) + a - b, a - b
    dL_da = (math.cos(a) + 1) * e + d
    dL_db = -e - d
    return dL_da / x2, -dL_da * x1 / x2**2 + dL_db * b


def scalar_grad_x1(x1):
    L, v1, _ = loss_scalar(x1, X0[1])
    L.backward()
    return v1.grad


def tn_grad_x1(x1):
    """dL/dx1 at (x1, 0.5) from the tensor engine (float64), to cross-check the scalar engine."""
    t = tn.tensor([x1], dtype=tn.float64, requires_grad=True)
    loss_tensor(t, tn.tensor([X0[1]], dtype=tn.float64)).sum().backward()
    return float(t.grad[0])


def main():
    args = parse_args(__doc__)
    res = Results("s3_learning_by_hand", args)

    # (a)-(c) traces and graph with the scalar engine
    L, x1, x2 = loss_scalar(*X0)
    L.backward()
    print("forward trace (S3.4b)", L.forward_trace(), "", "backward trace (S3.4c)", L.backward_trace(), sep="\n")
    graph = L.draw(res.figure("S3.4a", "graph"))
    g1, g2 = closed_form_grad(*X0)
    h = 1e-6
    fd1 = (loss_scalar(X0[0] + h, X0[1])[0].data - loss_scalar(X0[0] - h, X0[1])[0].data) / (2 * h)
    fd2 = (loss_scalar(X0[0], X0[1] + h)[0].data - loss_scalar(X0[0], X0[1] - h)[0].data) / (2 * h)
    err_closed = max(abs(x1.grad - g1), abs(x2.grad - g2))
    err_fd = max(abs(x1.grad - fd1), abs(x2.grad - fd2))
    res.add("S3.4a-c", "scalar engine: graph, forward and backward traces at (1.5, 0.5)",
            {"L": L.data, "dL/dx1": x1.grad, "dL/dx2": x2.grad, "max |engine − chain rule by hand|": err_closed,
             "max |engine − central difference|": err_fd}, [graph],
            check=err_closed < 1e-12 and err_fd < 1e-6 and abs(x1.grad - tn_grad_x1(X0[0])) < 1e-12)

    # (d) two Adam steps on x1 with tinynn.optim.Adam, checked against the same update by hand
    x1t = tn.tensor([X0[0]], dtype=tn.float64, requires_grad=True)
    x2t = tn.tensor([X0[1]], dtype=tn.float64)
    opt = optim.Adam([x1t], lr=0.1)
    (beta1, beta2), eps, lr = opt.param_groups[0]["betas"], opt.param_groups[0]["eps"], 0.1
    m = v = 0.0
    x_hand = X0[0]
    path, worst = [X0[0]], 0.0
    print("\nAdam on x1 (lr 0.1)")
    print(f"{'step':>4} | {'x1 before':>18} | {'dL/dx1 (tensor)':>18} | {'dL/dx1 (scalar)':>18} | "
          f"{'x1 after (optim)':>18} | {'x1 after (hand)':>18}")
    for t in (1, 2):
        opt.zero_grad()
        loss_tensor(x1t, x2t).sum().backward()
        g_tensor, g_scalar = float(x1t.grad[0]), scalar_grad_x1(x_hand)
        before = float(x1t.data[0])
        opt.step()
        m, v = beta1 * m + (1 - beta1) * g_scalar, beta2 * v + (1 - beta2) * g_scalar**2
        x_hand -= lr * (m / (1 - beta1**t)) / (math.sqrt(v / (1 - beta2**t)) + eps)
        path.append(float(x1t.data[0]))
        worst = max(worst, abs(g_tensor - g_scalar), abs(path[-1] - x_hand))
        print(f"{t:4d} | {before!r:>18} | {g_tensor!r:>18} | {g_scalar!r:>18} | {path[-1]!r:>18} | {x_hand!r:>18}")

    # (d) run to convergence, then plot dL/dx1 over [0, 2]
    max_steps, tol = 20000, 1e-10  # converges in a few hundred steps; the cap only guards
    steps = 2
    while steps < max_steps:
        opt.zero_grad()
        loss_tensor(x1t, x2t).sum().backward()
        before = float(x1t.data[0])
        opt.step()
        steps += 1
        path.append(float(x1t.data[0]))
        if abs(path[-1] - before) < tol:
            break
    x_star = path[-1]
    # Adam's first step is −lr·sign(g) up to ε: (path[1] − x0) + lr·sign(g0) is ~1e-9, not a gradient-sized step
    first_step = (path[1] - X0[0]) + lr * math.copysign(1.0, scalar_grad_x1(X0[0]))
    g_star = scalar_grad_x1(x_star)
    L_star = loss_scalar(x_star, X0[1])[0].data

    grid = tn.tensor(np.linspace(0, 2, 401), dtype=tn.float64, requires_grad=True)
    loss_grid = loss_tensor(grid, tn.tensor(X0[1], dtype=tn.float64))
    loss_grid.sum().backward()      # each L_i depends only on x1_i, so grid.grad is dL/dx1 pointwise
    xs, dLdx, Ls = grid.numpy(), grid.grad, loss_grid.numpy()
    sign_change = np.nonzero(np.diff(np.sign(dLdx)))[0]
    roots = [xs[i] - dLdx[i] * (xs[i + 1] - xs[i]) / (dLdx[i + 1] - dLdx[i]) for i in sign_change]
    root_near = min(roots, key=lambda r: abs(r - x_star)) if roots else float("nan")

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    p = np.array(path)
    ax.plot(xs, dLdx, label="dL/dx₁ (tensor autodiff on a grid)")
    ax.axhline(0, color="gray", lw=0.6)
    ax.plot(p[:3], [scalar_grad_x1(q) for q in p[:3]], "ro-", ms=5, label="start and two Adam steps")
    ax.plot([x_star], [g_star], "k*", ms=14, label=f"converged x₁* = {x_star:.6f}")
    ax.set(xlabel="x₁  (x₂ = 0.5 fixed)", ylabel="dL/dx₁", title="S3.4d: gradient of L along x₁")
    ax.legend(fontsize=8, loc="upper left")
    bx.plot(xs, Ls, label="L(x₁, 0.5)")
    bx.plot(p, [loss_scalar(q, X0[1])[0].data for q in p], ".", color="C3", ms=3, alpha=0.6,
            label=f"Adam iterates ({steps} steps)")
    bx.plot([x_star], [L_star], "k*", ms=14, label=f"L* = {L_star:.6f}")
    bx.set(xlabel="x₁  (x₂ = 0.5 fixed)", ylabel="L", title="the loss along x₁ and Adam's path")
    bx.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig_path = res.figure("S3.4d", "dL_dx1")
    fig.savefig(fig_path, dpi=110)
    plt.close(fig)
    res.add("S3.4d", "two Adam steps on x1 (lr 0.1), then Adam to convergence; dL/dx1 over [0, 2]",
            {"x1 after step 1": path[1], "x1 after step 2": path[2], "max |tensor-scalar or optim-hand|": worst,
             "Δx1 of step 1 + lr·sign(g) (0 up to ε)": first_step, "steps": steps, "x1*": x_star, "L(x1*)": L_star, "dL/dx1(x1*)": g_star, "grid root near x1*": root_near},
            [fig_path], check=worst < 1e-12 and abs(first_step) < 1e-6 and abs(g_star) < 1e-6
            and abs(root_near - x_star) < 1e-3 and L_star < loss_scalar(*X0)[0].data)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
