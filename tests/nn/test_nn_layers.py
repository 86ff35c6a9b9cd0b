"""Layers: values against numpy, PyTorch's initialisation bounds, dtype and shape handling."""
import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn


def test_linear_matches_numpy_and_gradients():
    lin = nn.Linear(4, 3, dtype=np.float64)
    x = tn.randn(6, 4, dtype=np.float64, requires_grad=True)
    y = lin(x)
    W, b = lin.weight.data, lin.bias.data
    np.testing.assert_allclose(y.data, x.data @ W.T + b)
    g = np.random.default_rng(0).standard_normal((6, 3))
    y.backward(g)
    np.testing.assert_allclose(x.grad, g @ W)
    np.testing.assert_allclose(lin.weight.grad, g.T @ x.data)
    np.testing.assert_allclose(lin.bias.grad, g.sum(0))


def test_linear_default_init_is_pytorch_uniform():
    """W, b ~ U(-1/√in, 1/√in): bounds respected and the variance is bound²/3."""
    tn.manual_seed(1)
    n_in = 50
    lin = nn.Linear(n_in, 400)
    bound = 1 / np.sqrt(n_in)
    w = lin.weight.data
    assert lin.weight.dtype == np.float32 and w.shape == (400, n_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.var() - bound ** 2 / 3) < 0.03 * bound ** 2 / 3
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(lin.bias.data).max() <= bound


def test_linear_seeded_init_is_reproducible():
    tn.manual_seed(3)
    a = nn.Linear(3, 2)
    tn.manual_seed(3)
    b = nn.Linear(3, 2)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_linear_casts_input_to_its_dtype_and_checks_shape():
    lin = nn.Linear(3, 2)
    y = lin(np.ones((4, 3)))                     # float64 numpy input into a float32 layer
    assert y.dtype == np.float32 and y.shape == (4, 2)
    with pytest.raises(ValueError, match=r"input of shape \(4, 5\) needs a last axis of size 3"):
        lin(np.ones((4, 5)))
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(0, 2)


def test_linear_batched_input():
    lin = nn.Linear(3, 2)
    x = tn.randn(2, 5, 3)
    np.testing.assert_allclose(lin(x).data, x.data @ lin.weight.data.T + lin.bias.data, rtol=1e-6)


def test_activation_modules_match_numpy():
    x = np.linspace(-3, 3, 13).reshape(13, 1) * np.ones((1, 2))
    t = tn.Tensor(x)
    expected = {
        nn.ReLU(): np.maximum(x, 0), nn.Tanh(): np.tanh(x), nn.Sigmoid(): 1 / (1 + np.exp(-x)),
        nn.LeakyReLU(0.2): np.where(x > 0, x, 0.2 * x), nn.ELU(0.5): np.where(x > 0, x, 0.5 * np.expm1(x)),
        nn.Softplus(beta=2.0): np.log1p(np.exp(2 * x)) / 2,
        nn.Softmax(dim=0): np.exp(x) / np.exp(x).sum(0), nn.LogSoftmax(dim=1): x - np.log(np.exp(x).sum(1, keepdims=True)),
    }
    for module, value in expected.items():
        np.testing.assert_allclose(module(t).data, value, rtol=1e-12, atol=1e-12, err_msg=repr(module))
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)" and repr(nn.ReLU()) == "ReLU()"


def test_maxout_is_max_over_pieces():
    m = nn.Maxout(3, 2, pieces=4, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((5, 3))
    z = (x @ m.weight.data.T + m.bias.data).reshape(5, 2, 4)
    np.testing.assert_allclose(m(tn.Tensor(x)).data, z.max(axis=2))
    assert m.num_parameters() == 2 * 4 * (3 + 1)


def test_dropout_statistics_and_eval_identity():
    tn.manual_seed(0)
    drop = nn.Dropout(0.3)
    x = tn.ones(400, 500)
    y = drop(x).data
    zero_fraction = np.mean(y == 0)
    assert abs(zero_fraction - 0.3) < 0.005                   # ~ 4 standard deviations of a binomial
    assert np.allclose(y[y != 0], 1 / 0.7)
    assert abs(y.mean() - 1) < 0.01                           # inverted dropout preserves the mean
    drop.eval()
    assert drop(x) is x
    tn.manual_seed(5)
    a = nn.Dropout(0.5)(tn.ones(3, 4)).data
    tn.manual_seed(5)
    np.testing.assert_array_equal(a, nn.Dropout(0.5)(tn.ones(3, 4)).data)
    with pytest.raises(ValueError, match=r"in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    tn.manual_seed(1)
    x = tn.ones(6, 7, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)


def test_flatten_and_identity():
    x = tn.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Identity()(x) is x
