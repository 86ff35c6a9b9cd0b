"""tinynn.autograd.grad: PyTorch's semantics, derivatives of any order checked against closed forms and
finite differences of first derivatives, on the tensor engine and on the scalar engine."""
import math

import numpy as np
import pytest

import tinynn as tn
from tinynn.autograd import grad
from tinynn.scalar import Value


def t64(values, requires_grad=True):
    return tn.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_third_derivative_of_a_cubic_matches_the_closed_form():
    x = t64([-1.5, 0.5, 2.0])
    (g,) = grad((x ** 3).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x, create_graph=True)
    (k,) = grad(h.sum(), x)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2, rtol=1e-14)
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-14)
    np.testing.assert_allclose(k.data, [6.0, 6.0, 6.0], rtol=1e-14)
    assert g.requires_grad and h.requires_grad and not k.requires_grad


def test_third_derivative_through_indexing_matches_the_closed_form():
    """Indexing's backward is a scatter (ScatterAdd), whose backward is indexing again: f = x0² sin x1
    and 2 x0³ + x1³ picked with repeated integer indices, to third order."""
    x = t64([0.4, -1.3])
    (g,) = grad(x[0] ** 2 * x[1].sin(), x, create_graph=True)
    (h,) = grad(g[0], x, create_graph=True)                       # (2 sin x1, 2 x0 cos x1)
    (k,) = grad(h[1], x)                                          # (2 cos x1, -2 x0 sin x1)
    np.testing.assert_allclose(k.data, [2 * np.cos(-1.3), -0.8 * np.sin(-1.3)], rtol=1e-14)
    (g,) = grad((x[np.array([0, 0, 1])] ** 3).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x, create_graph=True)
    (k,) = grad(h.sum(), x)
    np.testing.assert_allclose(k.data, [12.0, 6.0], rtol=1e-14)


def test_second_derivative_matches_finite_differences_of_the_first():
    """d/dx of the gradient of f(x) = Σ tanh(x)·sin(x²)/(1+x²), against central differences of
    the first derivative (itself from backward), both element by element."""
    def f(x):
        return (x.tanh() * (x * x).sin() / (1 + x * x)).sum()

    def first(values):
        x = t64(values)
        f(x).backward()
        return x.grad

    x0 = np.array([-1.2, 0.3, 0.9])
    x = t64(x0)
    (g,) = grad(f(x), x, create_graph=True)
    (h,) = grad(g.sum(), x)              # the Hessian is diagonal here, so this is its diagonal
    eps = 1e-5
    numeric = np.array([(first(x0 + eps * e)[i] - first(x0 - eps * e)[i]) / (2 * eps)
                        for i, e in enumerate(np.eye(3))])
    np.testing.assert_allclose(h.data, numeric, rtol=1e-7, atol=1e-9)


def test_grad_leaves_dot_grad_alone_and_returns_a_tuple():
    x = t64([1.0, 2.0])
    x.grad = np.array([5.0, 5.0])
    out = grad((x * x).sum(), [x])
    assert isinstance(out, tuple) and len(out) == 1
    np.testing.assert_array_equal(out[0].data, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    assert not out[0].requires_grad


def test_grad_outputs_multiple_outputs_and_inputs():
    x, y = t64([1.0, 2.0]), t64([3.0])
    a, b = x * y, (x.exp()).sum()
    gx, gy = grad([a, b], [x, y], grad_outputs=[np.array([1.0, -1.0]), np.array(2.0)])
    np.testing.assert_allclose(gx.data, [3.0, -3.0] + 2 * np.exp([1.0, 2.0]))
    np.testing.assert_allclose(gy.data, [1.0 - 2.0])


def test_gradient_with_respect_to_an_intermediate_tensor():
    x = t64([0.5, 1.5])
    h = x * 3
    (gh,) = grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def test_unused_input_is_an_error_unless_allowed():
    x, z = t64([1.0]), t64([2.0])
    with pytest.raises(RuntimeError, match="inputs\\[1\\].*allow_unused=True"):
        grad((x * 2).sum(), [x, z])
    gx, gz = grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.data[0] == 2.0


def test_errors_name_the_problem():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="one-element output"):
        grad(x * 2, x)
    with pytest.raises(RuntimeError, match="outputs\\[0\\] does not require grad"):
        grad(t64([1.0], requires_grad=False), x)
    with pytest.raises(ValueError, match="grad_outputs has shape"):
        grad(x * 2, x, grad_outputs=np.ones(3))
    with pytest.raises(TypeError, match="mixing Values"):
        grad(Value(1.0) * 2, [x])


def test_graph_is_freed_without_retain_graph_and_kept_with_create_graph():
    x = t64([1.0, 2.0])
    y = (x.sin() * x).sum()
    grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        grad(y, x)
    y = (x.sin() * x).sum()
    grad(y, x, create_graph=True)
    (again,) = grad(y, x)                                   # retain_graph defaulted to create_graph
    np.testing.assert_allclose(again.data, np.sin(x.data) + x.data * np.cos(x.data))


def test_backward_with_create_graph_leaves_a_differentiable_grad():
    x = t64([0.2, -0.7])
    (x.exp() * x).sum().backward(create_graph=True)
    assert isinstance(x.grad, tn.Tensor) and x.grad.requires_grad
    (h,) = grad(x.grad.sum(), x)
    np.testing.assert_allclose(h.data, np.exp(x.data) * (2 + x.data), rtol=1e-14)   # (x eˣ)'' = eˣ (2 + x)


def test_create_graph_works_inside_no_grad():
    x = t64([1.0])
    y = (x ** 4).sum()
    with tn.no_grad():
        (g,) = grad(y, x, create_graph=True)
    assert g.requires_grad
    assert grad(g.sum(), x)[0].item() == pytest.approx(12.0)


def test_float32_gradients_keep_their_dtype_through_second_order():
    x = tn.tensor(np.array([0.5, 1.0], np.float32), requires_grad=True)
    (g,) = grad((x * x * x).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    assert g.dtype == np.float32 and h.dtype == np.float32
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-6)


# ---- numpy's functions on Tensors ---------------------------------------------------------------
def test_numpy_ufuncs_and_functions_on_tensors_record_the_graph():
    x = t64([0.1, 0.2, 0.3])
    y = np.where(x.data > 0.15, np.exp(x), np.sin(x)) * np.broadcast_to(np.sum(x), (3,))
    assert isinstance(y, tn.Tensor) and y.requires_grad
    (g,) = grad(y.sum(), x)
    s = x.data.sum()
    v = np.where(x.data > 0.15, np.exp(x.data), np.sin(x.data))
    dv = np.where(x.data > 0.15, np.exp(x.data), np.cos(x.data))
    np.testing.assert_allclose(g.data, dv * s + v.sum(), rtol=1e-14)
    assert isinstance(np.greater(x, 0.15), tn.Tensor) and not np.greater(x, 0.15).requires_grad


def test_a_numpy_function_without_derivative_is_a_clear_error():
    x = t64([1.0, 2.0])
    with pytest.raises(TypeError, match="numpy.cumsum has no derivative"):
        np.cumsum(x)
    assert np.cumsum(x.detach()).tolist() == [1.0, 3.0]             # no gradient wanted: runs on the array


# ---- the scalar engine ----------------------------------------------------------------------------
def s34(x1, x2):
    a, b = x1 / x2, x2.exp()
    return (a.sin() + a - b) * (a - b)


def test_value_second_derivative_of_s34_matches_the_closed_form():
    """L = (sin a + a - b)(a - b), a = x1/x2, b = e^x2:
    dL/dx1 = [(cos a + 1)(a - b) + sin a + a - b] / x2,   d²L/dx1² = [2(cos a + 1) - sin a (a - b)] / x2²."""
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    (g,) = grad(s34(x1, x2), x1, create_graph=True)
    (h,) = grad(g, x1)
    a, b = 1.5 / 0.5, math.exp(0.5)
    assert g.data == pytest.approx(((math.cos(a) + 1) * (a - b) + math.sin(a) + a - b) / 0.5, rel=1e-14)
    assert h.data == pytest.approx((2 * (math.cos(a) + 1) - math.sin(a) * (a - b)) / 0.25, rel=1e-13)
    assert x1.grad == 0.0 and x2.grad == 0.0                  # grad() stores nothing


def test_value_mixed_second_derivative_matches_finite_differences_of_backward():
    def first(u, v):
        x1, x2 = Value(u), Value(v)
        s34(x1, x2).backward()
        return x1.grad
    x1, x2 = Value(1.5), Value(0.5)
    (g1,) = grad(s34(x1, x2), x1, create_graph=True)
    (h12,) = grad(g1, x2)
    eps = 1e-6
    assert h12.data == pytest.approx((first(1.5, 0.5 + eps) - first(1.5, 0.5 - eps)) / (2 * eps), rel=1e-7)


@pytest.mark.parametrize("name, build, d2", [
    ("pow", lambda x: x ** 3.5, lambda x: 3.5 * 2.5 * x ** 1.5),
    ("value_pow", lambda x: x ** x, lambda x: x ** x * ((math.log(x) + 1) ** 2 + 1 / x)),
    ("tanh", lambda x: x.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s)),
    ("log_div", lambda x: x.log() / x, lambda x: (2 * math.log(x) - 3) / x ** 3),
    ("cos_neg", lambda x: -(x.cos()), lambda x: math.cos(x)),
    ("relu_sq", lambda x: x.relu() * x, lambda x: 2.0),
])
def test_value_second_derivatives_of_every_op(name, build, d2):
    x = Value(1.3)
    (g,) = grad(build(x), x, create_graph=True)
    (h,) = grad(g, x)
    assert h.data == pytest.approx(d2(1.3), rel=1e-12)


def test_value_derivative_graph_is_made_of_values_and_can_be_drawn(tmp_path):
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    (g,) = grad(s34(x1, x2), x1, create_graph=True)
    trace = g.forward_trace()
    assert "cos(" in trace and "x1" in trace and "x2" in trace         # d/da sin a = cos a is a node
    assert (tmp_path / "d.png").exists() is False
    g.draw(str(tmp_path / "d.png"))
    assert (tmp_path / "d.png").stat().st_size > 1000
    (plain,) = grad(s34(x1, x2), x1)
    assert plain._prev == () and plain.data == pytest.approx(g.data, rel=1e-15)


# ---- gradgradcheck can fail ---------------------------------------------------------------------
class DetachedSquare(tn.function.Function):
    """out = x², with a backward whose saved 2x is cut off from the graph: right to first order, and
    a second derivative of 0 instead of 2."""
    def forward(self, x):
        self.save_for_backward(2 * (x.data if isinstance(x, tn.Tensor) else x))
        return x * x

    def backward(self, g):
        return g * self.saved[0]


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = t64([0.3, -1.2])
    assert tn.gradcheck(DetachedSquare.apply, [x])
    assert not tn.gradgradcheck(DetachedSquare.apply, [x], raise_exception=False)
    with pytest.raises(tn.GradcheckError, match="gradcheck failed for input 0"):
        tn.gradgradcheck(DetachedSquare.apply, [x])
    assert tn.gradgradcheck(lambda x: x * x, [x])


# ---- ops without a double backward say so ------------------------------------------------------------
class KernelOnlySquare(tn.function.Function):
    """out = x² computed by a 'kernel' that only takes arrays, so its forward cannot be replayed."""
    def forward(self, x):
        self.save_for_backward(x)
        return np.asarray(x, dtype=np.float64) ** 2

    def backward(self, g):
        return 2 * g * self.saved[0]


class Declined(KernelOnlySquare):
    double_backward = "not differentiable twice by design"


def test_an_op_that_cannot_replay_names_itself():
    x = t64([1.0, 2.0])
    (g,) = grad(KernelOnlySquare.apply(x).sum(), x)                # first order works
    np.testing.assert_array_equal(g.data, [2.0, 4.0])
    with pytest.raises(NotImplementedError, match="KernelOnlySquare: create_graph=True needs its forward"):
        grad(KernelOnlySquare.apply(x).sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="Declined: no derivative of its backward.*by design"):
        grad(Declined.apply(x).sum(), x, create_graph=True)


def test_optimizer_steps_with_a_create_graph_gradient():
    w = t64([1.0, -2.0])
    opt = tn.optim.SGD([w], lr=0.5)
    (w * w).sum().backward(create_graph=True)
    opt.step()
    np.testing.assert_allclose(w.data, [0.0, 0.0])
