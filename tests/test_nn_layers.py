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
