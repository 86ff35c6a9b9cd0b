"""VBLinear: local reparameterisation vs weight sampling (statistically), KL, frozen/MAP evaluation."""
import numpy as np
import pytest
from scipy.stats import norm

import tinynn as tn
import tinynn.nn as nn


def make_layer(seed=0):
    tn.manual_seed(seed)
    layer = nn.VBLinear(3, 2, prior_prec=2.0, dtype=np.float64)
    rng = np.random.default_rng(seed)
    layer.logsig2_w.data[...] = rng.uniform(-3, -1, (2, 3))       # widths large enough to measure
    layer.bias.data[...] = [0.5, -0.25]
    return layer


def closed_form(layer, x):
    mean = x @ layer.mu_w.data.T + layer.bias.data
    var = (x * x) @ np.exp(layer.logsig2_w.data).T
    return mean[0], var[0]


def test_local_reparameterisation_matches_weight_sampling():
    layer = make_layer()
    x = np.array([[0.7, -1.2, 2.0]])
    mean, var = closed_form(layer, x)
    n = 20_000
    train = layer(tn.Tensor(np.repeat(x, n, axis=0))).data            # one pre-activation sample per row
    layer.eval()
    evals = []
    for _ in range(4000):                                              # 4000 posterior weight sets
        nn.resample(layer)
        evals.append(layer(tn.Tensor(x)).data[0])
    evals = np.array(evals)
    for samples in (train, evals):
        k = len(samples)
        assert np.all(np.abs(samples.mean(0) - mean) < 5 * np.sqrt(var / k))     # 5 standard errors
        assert np.all(np.abs(samples.var(0) / var - 1) < 5 * np.sqrt(2 / k))


def test_kl_matches_per_weight_normal_kl():
    layer = make_layer()
    mu, s = layer.mu_w.data, np.exp(0.5 * layer.logsig2_w.data)
    sp = 1 / np.sqrt(layer.prior_prec)
    per_weight = np.log(sp / s) + (s ** 2 + mu ** 2) / (2 * sp ** 2) - 0.5
    assert layer.kl().item() == pytest.approx(per_weight.sum())
    model = nn.Sequential(layer, nn.ReLU(), make_layer(1))
    assert nn.total_kl(model).item() == pytest.approx(layer.kl().item() + model[2].kl().item())
    with pytest.raises(ValueError, match="no VBLinear"):
        nn.total_kl(nn.Linear(2, 2))


def test_kl_gradient_pulls_towards_prior():
    layer = make_layer()
    layer.kl().backward()
    np.testing.assert_allclose(layer.mu_w.grad, layer.prior_prec * layer.mu_w.data)
    np.testing.assert_allclose(layer.logsig2_w.grad, 0.5 * (layer.prior_prec * np.exp(layer.logsig2_w.data) - 1))


def test_eval_weights_are_frozen_until_resampled_and_map_uses_means():
    layer = make_layer().eval()
    x = tn.randn(4, 3, dtype=np.float64)
    a, b = layer(x).data, layer(x).data
    np.testing.assert_array_equal(a, b)
    state = layer.random.copy()
    nn.resample(layer)
    c = layer(x).data
    assert not np.allclose(a, c)
    layer.import_random_state(state)
    np.testing.assert_array_equal(layer(x).data, a)
    nn.set_map(layer)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.mu_w.data.T + layer.bias.data)
    with pytest.raises(ValueError, match=r"random state of shape \(3, 2\)"):
        layer.import_random_state(np.zeros((3, 2)))


def test_training_noise_is_seeded_and_initial_widths_are_tiny():
    x = tn.randn(5, 3)
    tn.manual_seed(3)
    layer = nn.VBLinear(3, 4)
    assert layer.mu_w.dtype == np.float32 and np.allclose(layer.logsig2_w.data, -9, atol=0.01)
    assert layer.mu_w.data.std() == pytest.approx(1 / np.sqrt(3), rel=0.7)
    tn.manual_seed(1)
    a = layer(x).data
    tn.manual_seed(1)
    np.testing.assert_array_equal(a, layer(x).data)
    assert [n for n, _ in layer.named_parameters()] == ["mu_w", "logsig2_w", "bias"]


def test_elbo_training_step_runs():
    tn.manual_seed(0)
    model = nn.Sequential(nn.VBLinear(2, 8), nn.ReLU(), nn.VBLinear(8, 1))
    x, y = tn.randn(16, 2), tn.randn(16, 1)
    loss = nn.MSELoss()(model(x), y) + nn.total_kl(model) / 1000
    loss.backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) for p in model.parameters())
