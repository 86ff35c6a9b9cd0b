"""The Tensor `.grad` that backward(create_graph=True) leaves: accumulation, zero_grad (optimizer and
Module, one helper) and optimizer steps, against closed forms and against the same steps on plain arrays."""
import numpy as np
import pytest

import tinynn as tn
from tinynn import nn, optim
from tinynn.autograd import grad

x0 = np.array([0.3, -1.1, 2.0])


def t64(values):
    return tn.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_second_create_graph_backward_accumulates_into_the_tensor_grad():
    """Σx³ then Σ sin x: x.grad = 3x² + cos x, still differentiable: d/dx Σ x.grad = 6x - sin x."""
    x = t64(x0)
    (x ** 3).sum().backward(create_graph=True)
    x.sin().sum().backward(create_graph=True)
    assert isinstance(x.grad, tn.Tensor) and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.data, 3 * x0 ** 2 + np.cos(x0), rtol=1e-14)
    (d,) = grad(x.grad.sum(), x)
    np.testing.assert_allclose(d.data, 6 * x0 - np.sin(x0), rtol=1e-14)


def test_a_plain_backward_after_a_create_graph_one_adds_the_values():
    x = t64(x0)
    (x ** 3).sum().backward(create_graph=True)
    x.sin().sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad.data if isinstance(x.grad, tn.Tensor) else x.grad),
                               3 * x0 ** 2 + np.cos(x0), rtol=1e-14)


def _zeroers():
    """zero_grad(set_to_none=False) through an optimizer and through a Module, on the same parameter."""
    model = nn.Linear(3, 1)
    p = model.weight
    yield p, lambda: optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    yield p, lambda: model.zero_grad(set_to_none=False)


@pytest.mark.parametrize("which", [0, 1], ids=["optimizer", "module"])
def test_zero_grad_detaches_a_tensor_grad_and_the_next_backward_accumulates_from_zero(which):
    p, zero = list(_zeroers())[which]
    p.data = p.data.astype(np.float64)
    w0 = p.data.copy()
    (p ** 3).sum().backward(create_graph=True)
    old = p.grad
    zero()
    assert type(p.grad) is np.ndarray and p.grad.shape == w0.shape and p.grad.dtype == np.float64
    assert not p.grad.any()
    np.testing.assert_allclose(old.data, 3 * w0 ** 2, rtol=1e-14)      # the graph's Tensor is left alone
    (p * p).sum().backward()                                              # plain: 2w, an array
    assert type(p.grad) is np.ndarray
    np.testing.assert_allclose(p.grad, 2 * w0, rtol=1e-14)
    zero()
    (p ** 3).sum().backward(create_graph=True)                            # create_graph: 3w², a Tensor again
    assert isinstance(p.grad, tn.Tensor) and p.grad.requires_grad
    (d,) = grad(p.grad.sum(), p)
    np.testing.assert_allclose(d.data, 6 * w0, rtol=1e-14)


def test_zero_grad_in_place_for_array_grads_and_to_none():
    model = nn.Linear(2, 2)
    model(tn.randn(4, 2)).sum().backward()
    keep = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is keep and not keep.any()
    optim.SGD(model.parameters(), lr=0.1).zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.01)], ids=["SGD", "Adam"])
def test_steps_with_tensor_grads_equal_steps_with_their_values(make):
    a, b = t64(x0), t64(x0)
    opt_a, opt_b = make([a]), make([b])
    for _ in range(3):
        opt_a.zero_grad(set_to_none=False)
        opt_b.zero_grad(set_to_none=False)
        (a.sin() * a).sum().backward(create_graph=True)
        (b.sin() * b).sum().backward()
        assert isinstance(a.grad, tn.Tensor) and type(b.grad) is np.ndarray
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, x0)
