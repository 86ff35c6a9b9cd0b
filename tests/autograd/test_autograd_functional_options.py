"""tinynn.autograd.functional: jacobian's vectorize and strategy, hessian's vectorize and
outer_jacobian_strategy, and hvp by PyTorch's double-backward route, against closed forms."""
import numpy as np
import pytest

import tinynn as tn
from tinynn.autograd import functional as AF
from tinynn.function import Function

rng = np.random.default_rng(5)
A = rng.standard_normal((5, 2))
S = rng.standard_normal((3, 3))
x0 = rng.standard_normal(3)


def t64(values, requires_grad=False):
    return tn.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def f_tall(x):                # R² -> R⁵: y = A tanh(x),  J = A diag(1 - tanh² x)
    return tn.tensor(A) @ x.tanh()


def f_pair(x, y):             # (x * Σy, Σ y², a constant):  blocks in closed form below
    return x * y.sum(), (y * y).sum(), tn.tensor(3.0)


def pair_blocks(x, y):
    return [[np.eye(x.size) * y.sum(), np.tile(x[:, None], (1, y.size))],
            [np.zeros(x.size), 2 * y],
            [np.zeros(x.size), np.zeros(y.size)]]


def f_mixed(x):               # sin(x0 x1) + x0² x2 + x2³ e^x1: every pair of variables mixes
    return (x[0] * x[1]).sin() + x[0] ** 2 * x[2] + x[2] ** 3 * x[1].exp()


def hess_mixed(x):
    a, b, c = x
    s, co, e = np.sin(a * b), np.cos(a * b), np.exp(b)
    h01 = co - a * b * s
    return np.array([[-b * b * s + 2 * c, h01, 2 * a],
                     [h01, -a * a * s + c ** 3 * e, 3 * c * c * e],
                     [2 * a, 3 * c * c * e, 6 * c * e]])


def f_quadratic(x):           # ½ xᵀ S x + Σ x⁴/4:  H = (S + Sᵀ)/2 + diag(3x²)
    return 0.5 * (x @ (tn.tensor(S) @ x)) + 0.25 * (x ** 4).sum()


def hess_quadratic(x):
    return (S + S.T) / 2 + np.diag(3 * x ** 2)


@pytest.mark.parametrize("options", [dict(vectorize=True), dict(vectorize=True, strategy="forward-mode")])
def test_jacobian_strategies_match_the_closed_form(options):
    x = rng.standard_normal(2)
    J = AF.jacobian(f_tall, t64(x), **options)
    assert J.shape == (5, 2) and not J.requires_grad
    np.testing.assert_allclose(J.data, A * (1 - np.tanh(x) ** 2), rtol=1e-14)


@pytest.mark.parametrize("options", [dict(vectorize=True), dict(vectorize=True, strategy="forward-mode")])
def test_jacobian_strategies_keep_the_nesting_of_several_inputs_and_outputs(options):
    x, y = rng.standard_normal(4), np.array([0.5, -1.0, 2.0])
    J = AF.jacobian(f_pair, (t64(x), t64(y)), **options)
    for row, want_row in zip(J, pair_blocks(x, y)):
        assert len(row) == 2
        for block, want in zip(row, want_row):
            assert block.shape == want.shape
            np.testing.assert_allclose(block.data, want, rtol=1e-15, atol=0)


def test_vectorize_gives_the_same_numbers_as_one_pass_per_row():
    x, y = t64(rng.standard_normal((2, 2))), t64([0.3, 0.7])

    def f(x, y):
        return (x.exp() * y).sin(), (x @ y).tanh()
    plain = AF.jacobian(f, (x, y))
    batched = AF.jacobian(f, (x, y), vectorize=True)
    for row_p, row_b in zip(plain, batched):
        for p, b in zip(row_p, row_b):
            np.testing.assert_array_equal(p.data, b.data)


def test_vectorized_jacobian_with_create_graph_is_differentiable():
    x = t64(x0, requires_grad=True)
    J = AF.jacobian(lambda t: t ** 3, x, create_graph=True, vectorize=True)     # diag(3x²)
    np.testing.assert_allclose(J.data, np.diag(3 * x0 ** 2), rtol=1e-14)
    (d,) = tn.autograd.grad(J.sum(), x)
    np.testing.assert_allclose(d.data, 6 * x0, rtol=1e-14)


def test_forward_mode_jacobian_has_the_outputs_dtype():
    x = tn.tensor(np.array([0.5, -0.2], np.float32))
    J = AF.jacobian(lambda t: t.astype(np.float64) * 2, x, vectorize=True, strategy="forward-mode")
    assert J.dtype == np.float64
    assert AF.jacobian(lambda t: t.astype(np.float64) * 2, x).dtype == np.float32     # reverse: the input's


@pytest.mark.parametrize("options", [dict(vectorize=True),
                                     dict(vectorize=True, outer_jacobian_strategy="forward-mode")])
def test_hessian_options_match_the_closed_forms(options):
    np.testing.assert_allclose(AF.hessian(f_quadratic, t64(x0), **options).data, hess_quadratic(x0),
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(AF.hessian(f_mixed, t64(x0), **options).data, hess_mixed(x0), rtol=1e-13, atol=1e-14)

    def f(a, b):                # f = a² b + sin(b):  f_aa = 2b, f_ab = 2a, f_bb = -sin b
        return (a * a * b + b.sin()).sum()
    (haa, hab), (hba, hbb) = AF.hessian(f, (t64([0.7]), t64([1.1])), **options)
    np.testing.assert_allclose([haa.item(), hab.item(), hba.item(), hbb.item()],
                               [2.2, 1.4, 1.4, -np.sin(1.1)], rtol=1e-14)


def test_argument_checks_mirror_pytorch():
    x = t64(x0)
    with pytest.raises(NotImplementedError, match="forward-mode.*only implemented with vectorize=True"):
        AF.jacobian(f_mixed, x, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="create_graph=True and strategy='forward-mode'"):
        AF.jacobian(f_mixed, x, create_graph=True, vectorize=True, strategy="forward-mode")
    with pytest.raises(RuntimeError, match="strict=True and strategy='forward-mode'"):
        AF.jacobian(f_mixed, x, strict=True, vectorize=True, strategy="forward-mode")
    with pytest.raises(RuntimeError, match="strict=True and vectorize=True"):
        AF.jacobian(f_mixed, x, strict=True, vectorize=True)
    with pytest.raises(ValueError, match="jacobian: strategy must be 'forward-mode' or 'reverse-mode', got 'forward'"):
        AF.jacobian(f_mixed, x, strategy="forward")
    with pytest.raises(ValueError, match="hessian: outer_jacobian_strategy must be"):
        AF.hessian(f_mixed, x, outer_jacobian_strategy="reverse")
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        AF.hessian(f_mixed, x, outer_jacobian_strategy="forward-mode")


def test_hvp_is_the_hessian_times_v_for_a_function_with_mixed_derivatives():
    v = rng.standard_normal(3)
    value, hv = AF.hvp(f_mixed, t64(x0), t64(v))
    a, b, c = x0
    np.testing.assert_allclose(value.item(), np.sin(a * b) + a * a * c + c ** 3 * np.exp(b), rtol=1e-14)
    np.testing.assert_allclose(hv.data, hess_mixed(x0) @ v, rtol=1e-13)
    assert not hv.requires_grad and not value.requires_grad


def test_hvp_of_several_inputs_has_their_shapes():
    def f(a, b):                # f = a² b + sin(b):  H v = (2b va + 2a vb, 2a va - sin(b) vb)
        return (a * a * b + b.sin()).sum()
    _, (ha, hb) = AF.hvp(f, (t64([0.7]), t64([1.1])), (t64([2.0]), t64([-1.0])))
    np.testing.assert_allclose([ha.item(), hb.item()], [2.2 * 2 - 1.4, 1.4 * 2 + np.sin(1.1)], rtol=1e-14)


def test_hvp_with_create_graph_differentiates_again():
    """d/dx [w · H(x) v] against central differences of the closed-form H(x) v."""
    v, w = rng.standard_normal(3), rng.standard_normal(3)
    x = t64(x0, requires_grad=True)
    _, hv = AF.hvp(f_mixed, x, t64(v), create_graph=True)
    assert hv.requires_grad
    (d,) = tn.autograd.grad((hv * tn.tensor(w)).sum(), x)
    eps = 1e-6
    numeric = [(w @ hess_mixed(x0 + eps * e) @ v - w @ hess_mixed(x0 - eps * e) @ v) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(d.data, numeric, rtol=1e-7, atol=1e-9)


def test_hvp_strict_and_a_linear_function():
    def linear(x, y):
        return (x * 3).sum() + y.sum()
    _, (hx, hy) = AF.hvp(linear, (t64(x0), t64([1.0])), (t64(v := rng.standard_normal(3)), t64([1.0])))
    np.testing.assert_array_equal(hx.data, np.zeros(3))
    np.testing.assert_array_equal(hy.data, [0.0])
    with pytest.raises(RuntimeError, match="independent of inputs"):
        AF.hvp(lambda x, y: (x * x).sum(), (t64(x0), t64([1.0])), (t64(v), t64([1.0])), strict=True)
    with pytest.raises(RuntimeError, match="one-element"):
        AF.hvp(f_tall, t64([0.1, 0.2]), t64([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"v\[0\] has shape"):
        AF.hvp(f_mixed, t64(x0), t64([1.0]))


class OneSidedProduct(Function):
    """out = x·y with a deliberately one-sided backward (d/dy dropped): the 'gradient' map (x, y) ↦ (y, 0)
    has the Jacobian [[0, 1], [0, 0]], not symmetric, so H v and vᵀ H differ."""
    def forward(self, x, y):
        self.save_for_backward(y)
        return x * y

    def backward(self, g):
        return g * self.saved[0], None


def test_hvp_and_vhp_differ_where_the_gradient_maps_jacobian_is_not_symmetric():
    x, y, vx, vy = t64([1.5]), t64([-0.5]), t64([2.0]), t64([3.0])
    _, (hx, hy) = AF.hvp(lambda a, b: OneSidedProduct.apply(a, b).sum(), (x, y), (vx, vy))
    _, (gx, gy) = AF.vhp(lambda a, b: OneSidedProduct.apply(a, b).sum(), (x, y), (vx, vy))
    assert [hx.item(), hy.item()] == [3.0, 0.0]          # M v with M = [[0, 1], [0, 0]]: (vy, 0)
    assert [gx.item(), gy.item()] == [0.0, 2.0]          # vᵀ M: (0, vx)
