"""Optimisers and schedulers against their published update rules, written out here in plain numpy.

The objective is the quadratic f(θ) = ½θᵀAθ − bᵀθ with gradient Aθ − b. Each reference below is the
pseudo-code of PyTorch's documentation transcribed line by line (one function per optimiser, all
options), run side by side with tinynn's optimiser for several steps.
"""
import math

import numpy as np
import pytest

import tinynn as tn
import tinynn.optim as optim

A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, -0.3], [0.0, -0.3, 1.0]])
B = np.array([1.0, -2.0, 0.5])
THETA0 = np.array([0.7, -1.3, 2.1])
STEPS = 6


def grad(theta):
    return A @ theta - B


# ---- reference recurrences (plain numpy, one step per loop iteration) --------------------------------
def ref_sgd(theta, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0, maximize=False):
    out, b = [], None
    for _ in range(STEPS):
        g = -grad(theta) if maximize else grad(theta)
        g = g + weight_decay * theta
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def ref_adam(theta, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
             decoupled=False):
    b1, b2 = betas
    m, v, vmax, out = 0 * theta, 0 * theta, 0 * theta, []
    for t in range(1, STEPS + 1):
        g = -grad(theta) if maximize else grad(theta)
        if decoupled:
            theta = theta - lr * weight_decay * theta          # AdamW: shrink θ itself
        else:
            g = g + weight_decay * theta                        # Adam: L2 term joins the gradient
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            v_hat = vmax / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_rmsprop(theta, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
    v, g_ave, b, out = 0 * theta, 0 * theta, 0 * theta, []
    for _ in range(STEPS):
        g = grad(theta) + weight_decay * theta
        v = alpha * v + (1 - alpha) * g ** 2
        v_tilde = v
        if centered:
            g_ave = alpha * g_ave + (1 - alpha) * g
            v_tilde = v - g_ave ** 2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def ref_adagrad(theta, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
    s, out = np.full_like(theta, initial_accumulator_value), []
    for t in range(1, STEPS + 1):
        lr_t = lr / (1 + (t - 1) * lr_decay)
        g = grad(theta) + weight_decay * theta
        s = s + g ** 2
        theta = theta - lr_t * g / (np.sqrt(s) + eps)
        out.append(theta)
    return out


def run(make_optimizer):
    """tinynn's optimiser on the same quadratic: the parameter after each step."""
    p = tn.Tensor(THETA0.copy(), requires_grad=True)
    opt = make_optimizer([p])
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        p.grad = grad(p.data)
        opt.step()
        out.append(p.data.copy())
    return out


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, dampening=0.3)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.SGD, ref_sgd, dict(lr=0.1, weight_decay=0.2)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.2)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.5, dampening=0.5, weight_decay=0.1, maximize=True)),
    (optim.Adam, ref_adam, dict(lr=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.1, betas=(0.8, 0.9), eps=1e-3)),
    (optim.Adam, ref_adam, dict(lr=0.1, weight_decay=0.3)),
    (optim.Adam, ref_adam, dict(lr=0.2, betas=(0.5, 0.5), amsgrad=True)),
    (optim.Adam, ref_adam, dict(lr=0.2, betas=(0.5, 0.5), amsgrad=True, weight_decay=0.1, maximize=True)),
    (optim.AdamW, lambda th, **kw: ref_adam(th, decoupled=True, weight_decay=1e-2, **kw), dict(lr=0.1)),
    (optim.AdamW, lambda th, **kw: ref_adam(th, decoupled=True, **kw),
     dict(lr=0.2, weight_decay=0.3, betas=(0.5, 0.5), amsgrad=True)),
    (optim.RMSprop, ref_rmsprop, dict()),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.05, alpha=0.9, centered=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, momentum=0.9)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.8, momentum=0.5, centered=True, weight_decay=0.1, eps=1e-4)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.5)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.5, lr_decay=0.3)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.5, initial_accumulator_value=0.4, weight_decay=0.2, eps=1e-3)),
]


@pytest.mark.parametrize("cls, ref, options", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_update_sequence_matches_published_rule(cls, ref, options):
    ours = run(lambda params: cls(params, **options))
    expected = ref(THETA0.copy(), **options)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(ours[-1], THETA0)          # it moved


def test_amsgrad_case_exercises_the_maximum():
    """In the AMSGrad case above v decreases at some step, so the running maximum changes the path."""
    plain = ref_adam(THETA0.copy(), lr=0.2, betas=(0.5, 0.5))
    ams = ref_adam(THETA0.copy(), lr=0.2, betas=(0.5, 0.5), amsgrad=True)
    assert not np.allclose(plain, ams)


def test_float32_parameters_stay_float32_and_close_to_float64():
    p = tn.Tensor(THETA0.astype(np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    for _ in range(STEPS):
        p.grad = grad(p.data.astype(np.float64)).astype(np.float32)
        opt.step()
    assert p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, ref_adam(THETA0.copy(), lr=0.1)[-1], rtol=1e-5)


def test_adam_l2_and_adamw_decoupled_decay_differ_as_they_should():
    """With a zero loss gradient: AdamW shrinks θ by exactly (1 − γλ) per step; Adam's L2 term goes through
    m/√v, so its step is ≈ γ·sign(θ) whatever θ's size — large weights are barely decayed."""
    lr, lam, theta0 = 0.01, 0.1, np.array([1.0, 100.0])
    results = {}
    for cls in (optim.Adam, optim.AdamW):
        p = tn.Tensor(theta0.copy(), requires_grad=True)
        opt = cls([p], lr=lr, weight_decay=lam)
        for _ in range(3):
            p.grad = np.zeros(2)
            opt.step()
        results[cls] = p.data
    np.testing.assert_allclose(results[optim.AdamW], theta0 * (1 - lr * lam) ** 3, rtol=1e-14)
    # Adam+L2: g = λθ > 0 every step, so m̂/√v̂ ≈ 1 and each step moves θ by ≈ lr
    np.testing.assert_allclose(results[optim.Adam], theta0 - 3 * lr, atol=1e-4)
    # so on the large weight AdamW removes 100·(1 − 0.999³) ≈ 0.3, Adam+L2 only ≈ 0.03
    assert theta0[1] - results[optim.AdamW][1] > 9 * (theta0[1] - results[optim.Adam][1])


def test_adamw_step_is_decay_plus_adam_on_raw_gradient():
    """One step by hand: p ← p − γλp − γ m̂/(√v̂+ε) with m̂ = g, v̂ = g² at t = 1."""
    lr, lam, eps = 0.1, 0.5, 1e-8
    p = tn.Tensor(THETA0.copy(), requires_grad=True)
    opt = optim.AdamW([p], lr=lr, weight_decay=lam, eps=eps)
    g = grad(THETA0)
    p.grad = g
    opt.step()
    np.testing.assert_allclose(p.data, THETA0 - lr * lam * THETA0 - lr * g / (np.abs(g) + eps), rtol=1e-14)


def test_gradients_from_backward_drive_the_update():
    """End to end through autograd: ∇(½θᵀAθ − bᵀθ) computed by backward, then one SGD step."""
    p = tn.Tensor(THETA0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    loss = 0.5 * (p * tn.Tensor(A @ np.eye(3)).matmul(p)).sum() - (p * tn.Tensor(B)).sum()
    loss.backward()
    opt.step()
    np.testing.assert_allclose(p.data, THETA0 - 0.1 * grad(THETA0), rtol=1e-12)


def test_param_groups_skip_missing_grads_and_use_their_own_options():
    a, b, c = (tn.Tensor(THETA0.copy(), requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0
    a.grad, b.grad = grad(THETA0), grad(THETA0)          # c has no gradient
    opt.step()
    np.testing.assert_allclose(a.data, THETA0 - 0.1 * grad(THETA0))
    np.testing.assert_allclose(b.data, THETA0 - 0.5 * grad(THETA0))
    np.testing.assert_array_equal(c.data, THETA0)
    assert c not in opt.state and b in opt.state
    d = tn.Tensor(np.zeros(2), requires_grad=True)
    opt.add_param_group({"params": d, "lr": 1.0})
    d.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose(d.data, [-1.0, -1.0])


def test_zero_grad_modes():
    p = tn.Tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(3)
    keep = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is keep and not keep.any()
    opt.zero_grad()
    assert p.grad is None


def test_step_does_not_modify_the_gradient():
    p = tn.Tensor(THETA0.copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, weight_decay=0.5, maximize=True)
    p.grad = grad(THETA0)
    opt.step()
    np.testing.assert_array_equal(p.grad, grad(THETA0))


def test_closure_is_called_and_its_loss_returned():
    p = tn.Tensor(np.array([3.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 9.0 and p.data[0] == pytest.approx(3.0 - 0.25 * 6.0)


@pytest.mark.parametrize("cls, options", [(optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
                                          (optim.Adam, dict(lr=0.1, amsgrad=True, betas=(0.5, 0.5))),
                                          (optim.RMSprop, dict(momentum=0.5, centered=True)),
                                          (optim.Adagrad, dict(lr_decay=0.1))])
def test_state_dict_round_trip_continues_identically(cls, options):
    def make():
        p = tn.Tensor(THETA0.copy(), requires_grad=True)
        return p, cls([p], **options)

    def steps(p, opt, n):
        for _ in range(n):
            p.grad = grad(p.data)
            opt.step()
    p1, opt1 = make()
    steps(p1, opt1, 3)
    saved = opt1.state_dict()
    p2, opt2 = make()
    opt2.param_groups[0]["lr"] = 123.0                # overwritten by the load
    p2.data[...] = p1.data
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == options.get("lr", opt1.defaults["lr"])
    steps(p1, opt1, 3)
    steps(p2, opt2, 3)
    np.testing.assert_array_equal(p1.data, p2.data)
    for v in saved["state"][0].values():             # the saved dict is a snapshot, not a view
        if isinstance(v, np.ndarray):
            assert not any(v is w for w in opt1.state[p1].values())


def test_load_state_dict_errors_name_the_mismatch():
    p, q = (tn.Tensor(np.ones(3), requires_grad=True) for _ in range(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(3)
    opt.step()
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="has 1 parameters, this optimizer's group has 2"):
        optim.SGD([p, q], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="1 parameter groups"):
        optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).load_state_dict(saved)
    small = optim.SGD([tn.Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        small.load_state_dict(saved)
    with pytest.raises(ValueError, match="not an optimizer state dict"):
        small.load_state_dict({"weight": np.ones(2)})


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD(p, lr=0.1), "single Tensor"),
    (lambda p: optim.SGD([p, np.ones(2)], lr=0.1), r"params\[1\] is a ndarray"),
    (lambda p: optim.SGD([p * 2], lr=0.1), "non-leaf"),
    (lambda p: optim.SGD([p]), "required"),
    (lambda p: optim.SGD([p], lr=-1.0), "lr=-1.0"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.SGD([p, p], lr=0.1), "more than once"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), "more than once"),
    (lambda p: optim.Adam([p], betas=(0.9, 1.0)), r"betas\[1\]"),
    (lambda p: optim.RMSprop([p], alpha=-0.5), "alpha"),
    (lambda p: optim.Adagrad([p], lr_decay=-1), "lr_decay"),
    (lambda p: optim.Adam([p], lr="fast"), "must be a number"),
])
def test_bad_arguments_give_clear_errors(make, message):
    p = tn.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises((ValueError, TypeError), match=message):
        make(p)


def test_wrong_gradient_shape_is_reported():
    p = tn.Tensor(np.ones(3), requires_grad=True)
    p.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        optim.SGD([p], lr=0.1).step()


# ---- schedulers ---------------------------------------------------------------------------------------
def lrs_of(make_scheduler, epochs=12, lr=0.5):
    opt = optim.SGD([tn.Tensor(np.ones(1), requires_grad=True)], lr=lr)
    sched = make_scheduler(opt)
    out = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == out[-1]
    return out


@pytest.mark.parametrize("make, formula", [
    (lambda o: optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), lambda e: 0.5 * 0.5 ** (e // 3)),
    (lambda o: optim.ExponentialLR(o, gamma=0.8), lambda e: 0.5 * 0.8 ** e),
    (lambda o: optim.CosineAnnealingLR(o, T_max=8, eta_min=0.1),
     lambda e: 0.1 + (0.5 - 0.1) * (1 + math.cos(math.pi * e / 8)) / 2),
])
def test_epoch_schedules_follow_their_formula(make, formula):
    np.testing.assert_allclose(lrs_of(make), [formula(e) for e in range(13)], rtol=1e-14)


def test_cosine_reaches_eta_min_at_t_max():
    lrs = lrs_of(lambda o: optim.CosineAnnealingLR(o, T_max=4, eta_min=0.01), epochs=4)
    assert lrs[0] == 0.5 and lrs[4] == pytest.approx(0.01, abs=1e-15)


def test_scheduler_state_dict_resumes_the_schedule():
    """PyTorch's resume pattern: load the optimizer, make a fresh scheduler, load its state."""
    opt = optim.SGD([tn.Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(3):
        sched.step()                                     # epoch 3: lr = 1.0 · 0.1^⌊3/2⌋ = 0.1
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    opt2 = optim.SGD([tn.Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    opt2.load_state_dict(saved_opt)
    sched2 = optim.StepLR(opt2, step_size=2, gamma=0.1)
    sched2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.1) and sched2.last_epoch == 3
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == [pytest.approx(0.01)]
    with pytest.raises(KeyError, match="unexpected keys"):
        sched2.load_state_dict({"bogus": 1})


def test_reduce_on_plateau_follows_a_scripted_metric():
    """patience=2, cooldown=1, factor=0.5, min_lr=0.2, threshold=0 (any decrease counts)."""
    opt = optim.SGD([tn.Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2, threshold=0)
    metric = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    expected = [
        1, 1,          # improving
        1, 1, .5,      # 3 bad epochs (> patience 2): halve, start a 1-epoch cooldown
        .5,            # cooldown: bad count held at 0
        .5, .5, .25,   # 3 more bad epochs: halve again
        .25,           # 0.85 improves (and cooldown ends)
        .25, .25, .2,  # 3 bad: 0.125 is clipped to min_lr 0.2
        .2, .2, .2, .2,  # at min_lr: no further change
    ]
    got = []
    for m in metric:
        sched.step(m)
        got.append(sched.get_last_lr()[0])
    assert got == expected


def test_reduce_on_plateau_max_mode_and_relative_threshold():
    opt = optim.SGD([tn.Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.1)
    sched.step(1.0)                      # best = 1.0
    sched.step(1.05)                     # not > 1.0·1.1: bad epoch > patience 0 -> lr 0.1
    assert sched.get_last_lr() == [pytest.approx(0.1)] and sched.best == 1.0
    sched.step(1.2)                      # > 1.1: improvement
    assert sched.get_last_lr() == [pytest.approx(0.1)] and sched.best == 1.2
    with pytest.raises(ValueError, match="factor"):
        optim.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="NaN"):
        sched.step(float("nan"))
