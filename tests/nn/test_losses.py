"""Losses against values computed independently in numpy/scipy, their reductions, numerics and errors."""
import numpy as np
import pytest
from scipy.special import expit, logsumexp
from scipy.stats import norm

import tinynn as tn
import tinynn.losses as L
import tinynn.nn as nn

rng = np.random.default_rng(42)


def T(a, grad=False):
    return tn.Tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def log_softmax_np(x):
    return x - logsumexp(x, axis=1, keepdims=True)


def test_mse_and_l1_with_reductions():
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert L.mse_loss(T(x), y).item() == pytest.approx(np.mean((x - y) ** 2))
    assert nn.MSELoss(reduction="sum")(T(x), y).item() == pytest.approx(np.sum((x - y) ** 2))
    np.testing.assert_allclose(nn.L1Loss(reduction="none")(T(x), y).data, np.abs(x - y))
    assert L.l1_loss(T(x), y).item() == pytest.approx(np.mean(np.abs(x - y)))


def test_float32_input_keeps_its_dtype_with_float64_targets():
    x = tn.randn(5, 2)
    assert L.mse_loss(x, np.zeros((5, 2))).dtype == np.float32
    assert L.cross_entropy(x, np.array([0, 1, 1, 0, 1])).dtype == np.float32


def test_gaussian_nll_matches_normal_logpdf():
    mu, y = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    var = rng.uniform(0.2, 3.0, (6, 2))
    full = L.gaussian_nll_loss(T(mu), y, T(var), full=True, reduction="none").data
    np.testing.assert_allclose(full, -norm.logpdf(y, mu, np.sqrt(var)))
    short = L.gaussian_nll_loss(T(mu), y, T(var)).item()
    assert short == pytest.approx(np.mean(-norm.logpdf(y, mu, np.sqrt(var)) - 0.5 * np.log(2 * np.pi)))
    shared = rng.uniform(0.5, 2.0, 6)                 # one variance per sample, broadcast over the last axis
    np.testing.assert_allclose(L.gaussian_nll_loss(T(mu), y, shared, full=True, reduction="none").data,
                               -norm.logpdf(y, mu, np.sqrt(shared)[:, None]))


def test_gaussian_nll_clamps_var_but_passes_gradient():
    var = T([0.0, 1.0], grad=True)
    loss = L.gaussian_nll_loss(T([0.0, 0.0]), [0.0, 0.0], var, eps=1e-3, reduction="sum")
    assert loss.item() == pytest.approx(0.5 * np.log(1e-3))
    loss.backward()
    np.testing.assert_allclose(var.grad, [0.5 / 1e-3, 0.5])      # d/dv ½ log v = 1/(2v) at the clamped value
    with pytest.raises(ValueError, match="negative entries"):
        L.gaussian_nll_loss(T([0.0]), [0.0], T([-1.0]))


def test_bce_matches_formula_and_weight():
    p, y = rng.uniform(0.01, 0.99, (3, 4)), rng.uniform(0, 1, (3, 4))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert L.binary_cross_entropy(T(p), y).item() == pytest.approx(expected.mean())
    w = rng.uniform(0, 2, 4)
    np.testing.assert_allclose(nn.BCELoss(weight=w, reduction="none")(T(p), y).data, expected * w)


def test_bce_saturated_sigmoid_is_clamped_at_100():
    logits = tn.tensor([200.0, -200.0, 200.0])         # float32 sigmoid is exactly 1, 0, 1
    p = logits.sigmoid()
    assert set(p.data.tolist()) == {0.0, 1.0}
    p.requires_grad = True
    loss = L.binary_cross_entropy(p, [0.0, 1.0, 0.0], reduction="sum")
    assert loss.item() == pytest.approx(100 * 3)
    loss.backward()
    assert np.all(np.isfinite(p.grad))


def test_bce_with_logits_is_stable_and_matches_bce():
    x, y = rng.standard_normal((3, 5)) * 3, rng.uniform(0, 1, (3, 5))
    np.testing.assert_allclose(L.binary_cross_entropy_with_logits(T(x), y, reduction="none").data,
                               L.binary_cross_entropy(T(expit(x)), y, reduction="none").data, rtol=1e-9)
    big = L.binary_cross_entropy_with_logits(T([1000.0, -1000.0, 1000.0]), [0.0, 1.0, 1.0], reduction="none")
    np.testing.assert_allclose(big.data, [1000.0, 1000.0, 0.0])


def test_bce_with_logits_pos_weight():
    x, y = rng.standard_normal((4, 3)), (rng.uniform(size=(4, 3)) > 0.5).astype(float)
    pw = np.array([0.5, 2.0, 4.0])
    s = expit(x)
    expected = -(pw * y * np.log(s) + (1 - y) * np.log(1 - s))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(pos_weight=pw, reduction="none")(T(x), y).data, expected)
    xt = T(x, grad=True)
    L.binary_cross_entropy_with_logits(xt, y, pos_weight=pw, reduction="sum").backward()
    np.testing.assert_allclose(xt.grad, -pw * y * (1 - s) + (1 - y) * s)


def test_cross_entropy_class_indices_vs_log_softmax():
    x, t = rng.standard_normal((6, 4)) * 5, rng.integers(0, 4, 6)
    ls = log_softmax_np(x)
    assert L.cross_entropy(T(x), t).item() == pytest.approx(-ls[np.arange(6), t].mean())
    xt = T(x, grad=True)
    L.cross_entropy(xt, t, reduction="sum").backward()
    np.testing.assert_allclose(xt.grad, np.exp(ls) - np.eye(4)[t])      # softmax - onehot
    assert L.nll_loss(T(ls), t).item() == pytest.approx(-ls[np.arange(6), t].mean())


def test_cross_entropy_weight_ignore_index_and_smoothing_by_loop():
    x, t = rng.standard_normal((7, 3)), np.array([0, 2, 1, 1, 2, 0, 1])
    w, eps, ignore = np.array([0.3, 1.5, 2.0]), 0.1, 2
    ls = log_softmax_np(x)
    total, denom = 0.0, 0.0
    for i in range(7):
        if t[i] == ignore:
            continue
        total += -(1 - eps) * w[t[i]] * ls[i, t[i]] - eps / 3 * np.sum(w * ls[i])
        denom += w[t[i]]
    loss = nn.CrossEntropyLoss(weight=w, ignore_index=ignore, label_smoothing=eps)(T(x), t)
    assert loss.item() == pytest.approx(total / denom)
    nll = L.nll_loss(T(ls), t, weight=w, ignore_index=ignore, reduction="none").data
    np.testing.assert_allclose(nll, np.where(t == ignore, 0, -w[t] * ls[np.arange(7), t]))


def test_cross_entropy_probability_targets_and_layouts():
    x = rng.standard_normal((5, 3))
    p = np.exp(log_softmax_np(rng.standard_normal((5, 3))))
    assert L.cross_entropy(T(x), p).item() == pytest.approx(np.mean(-(p * log_softmax_np(x)).sum(1)))
    onehot_t = rng.integers(0, 3, 5)
    assert L.cross_entropy(T(x), np.eye(3)[onehot_t]).item() == pytest.approx(L.cross_entropy(T(x), onehot_t).item())
    # (N, C, d) layout: the class axis is 1, as in PyTorch
    x3, t2 = rng.standard_normal((2, 3, 4)), rng.integers(0, 3, (2, 4))
    per = L.cross_entropy(T(x3), t2, reduction="none").data
    ls3 = x3 - logsumexp(x3, axis=1, keepdims=True)
    np.testing.assert_allclose(per, -np.take_along_axis(ls3, t2[:, None], axis=1)[:, 0])
    # a single sample (C,) with a scalar target
    assert L.cross_entropy(T(x[0]), 2).item() == pytest.approx(-log_softmax_np(x[:1])[0, 2])


def test_class_target_errors_are_clear():
    x = T(rng.standard_normal((4, 3)))
    with pytest.raises(ValueError, match="target 3 is out of range for 3 classes"):
        L.cross_entropy(x, [0, 1, 3, 1])
    with pytest.raises(ValueError, match="target -1 is out of range"):
        L.nll_loss(x, [0, -1, 2, 1])
    with pytest.raises(ValueError, match=r"input of shape \(4, 3\) needs class-index targets of shape \(4,\).*\(5,\)"):
        L.cross_entropy(x, [0, 1, 2, 1, 0])
    with pytest.raises(ValueError, match="must be integers, found 0.5"):
        L.cross_entropy(x, np.array([0, 0.5, 1, 2]))
    assert L.cross_entropy(x, np.array([0.0, 2.0, 1.0, 1.0])).item() == \
        pytest.approx(L.cross_entropy(x, [0, 2, 1, 1]).item())          # whole-number floats are accepted
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\), got \(2,\)"):
        L.cross_entropy(x, [0, 1, 2, 1], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="every target is ignore_index"):
        L.cross_entropy(x, [-100] * 4)


def test_elementwise_shape_and_value_errors():
    with pytest.raises(ValueError, match=r"input has shape \(4, 1\) but target has shape \(4,\)"):
        L.mse_loss(tn.zeros(4, 1), np.zeros(4))
    with pytest.raises(ValueError, match="input values must lie in \\[0, 1\\].*with_logits"):
        L.binary_cross_entropy(T([0.5, 1.5]), [0.0, 1.0])
    with pytest.raises(ValueError, match="target values must lie in"):
        L.binary_cross_entropy(T([0.5, 0.5]), [0.0, 2.0])
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) does not broadcast to the input's shape \(2, 2\)"):
        L.binary_cross_entropy(T([[0.5, 0.5]] * 2), np.zeros((2, 2)), weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="reduction must be"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be"):
        L.l1_loss(T([1.0]), [0.0], reduction="average")


def test_penalties_on_a_module():
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Linear(4, 1, dtype=np.float64))
    params = [p.data for p in model.parameters()]
    assert nn.l2_penalty(model).item() == pytest.approx(sum((p ** 2).sum() for p in params))
    assert nn.l1_penalty(model, weights_only=True).item() == \
        pytest.approx(np.abs(model[0].weight.data).sum() + np.abs(model[1].weight.data).sum())
    nn.l2_penalty(model).backward()
    np.testing.assert_allclose(model[1].bias.grad, 2 * model[1].bias.data)
    assert nn.l2_penalty([]).item() == 0


def test_gaussian_kl_matches_monte_carlo():
    """KL(q||p) = E_q[log q - log p], estimated with 400k samples."""
    mu, logsig2, prec = np.array([0.3, -1.0]), np.array([-1.0, 0.5]), 2.0
    kl = L.gaussian_kl(T(mu), T(logsig2), prec).item()
    sd = np.exp(0.5 * logsig2)
    w = mu + sd * np.random.default_rng(0).standard_normal((400_000, 2))
    mc = np.mean(np.sum(norm.logpdf(w, mu, sd) - norm.logpdf(w, 0, 1 / np.sqrt(prec)), axis=1))
    assert kl == pytest.approx(mc, abs=5e-3)
