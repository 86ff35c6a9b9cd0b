"""tinynn.autograd.functional against closed forms: PyTorch's names, argument conventions and shapes."""
import numpy as np
import pytest

import tinynn as tn
from tinynn.autograd import functional as AF

rng = np.random.default_rng(3)
A = rng.standard_normal((3, 4))
S = rng.standard_normal((4, 4))


def t64(values, requires_grad=False):
    return tn.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def f_affine_sin(x):          # R^4 -> R^3: J = A diag(cos x)
    return tn.tensor(A) @ x.sin()


def f_quartic(x):             # R^4 -> R: ½ xᵀ S x + ¼ Σ x⁴,  H = (S + Sᵀ)/2 + diag(3x²)
    return 0.5 * (x @ (tn.tensor(S) @ x)) + 0.25 * (x ** 4).sum()


def jac_affine_sin(x):
    return A * np.cos(x)


def hess_quartic(x):
    return (S + S.T) / 2 + np.diag(3 * x ** 2)


x0 = rng.standard_normal(4)


def test_jacobian_shape_and_values():
    J = AF.jacobian(f_affine_sin, t64(x0))
    assert J.shape == (3, 4) and not J.requires_grad
    np.testing.assert_allclose(J.data, jac_affine_sin(x0), rtol=1e-13)


def test_jacobian_nesting_for_tuples_as_in_pytorch():
    x, y = t64(x0), t64([0.5, -1.0])

    def f(x, y):
        return x * y.sum(), (y * y).sum()
    (jxx, jxy), (jyx, jyy) = AF.jacobian(f, (x, y))
    np.testing.assert_allclose(jxx.data, np.eye(4) * (-0.5))
    np.testing.assert_allclose(jxy.data, np.tile(x0[:, None], (1, 2)))
    np.testing.assert_allclose(jyx.data, np.zeros(4))
    np.testing.assert_allclose(jyy.data, [1.0, -2.0])
    assert jxy.shape == (4, 2) and jyy.shape == (2,)


def test_hessian_matches_the_closed_form_and_is_symmetric():
    H = AF.hessian(f_quartic, t64(x0))
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H.data, hess_quartic(x0), rtol=1e-12, atol=1e-14)


def test_hessian_of_two_inputs_has_the_mixed_blocks():
    def f(a, b):                # f = a² b + sin(b):  f_aa = 2b, f_ab = 2a, f_bb = -sin b
        return (a * a * b + b.sin()).sum()
    a, b = t64([0.7]), t64([1.1])
    (haa, hab), (hba, hbb) = AF.hessian(f, (a, b))
    np.testing.assert_allclose([haa.item(), hab.item(), hba.item(), hbb.item()],
                               [2.2, 1.4, 1.4, -np.sin(1.1)], rtol=1e-14)
    assert haa.shape == (1, 1)


def test_vjp_and_jvp_are_the_two_products_with_the_jacobian():
    v_out, v_in = rng.standard_normal(3), rng.standard_normal(4)
    out, vj = AF.vjp(f_affine_sin, t64(x0), t64(v_out))
    np.testing.assert_allclose(out.data, A @ np.sin(x0), rtol=1e-14)
    np.testing.assert_allclose(vj.data, v_out @ jac_affine_sin(x0), rtol=1e-13)
    out, jv = AF.jvp(f_affine_sin, t64(x0), t64(v_in))
    np.testing.assert_allclose(jv.data, jac_affine_sin(x0) @ v_in, rtol=1e-13)


def test_hvp_and_vhp_equal_the_hessian_times_v():
    v = rng.standard_normal(4)
    value, hv = AF.hvp(f_quartic, t64(x0), t64(v))
    np.testing.assert_allclose(hv.data, hess_quartic(x0) @ v, rtol=1e-12)
    np.testing.assert_allclose(value.item(), 0.5 * x0 @ S @ x0 + 0.25 * (x0 ** 4).sum(), rtol=1e-14)
    _, vh = AF.vhp(f_quartic, t64(x0), t64(v))
    np.testing.assert_allclose(vh.data, v @ hess_quartic(x0), rtol=1e-12)


def test_create_graph_keeps_results_differentiable():
    x = t64(x0, requires_grad=True)
    H = AF.hessian(f_quartic, x, create_graph=True)
    (d,) = tn.autograd.grad(H.sum(), x)           # d/dx_k Σ H = 6 x_k (only the diagonal depends on x)
    np.testing.assert_allclose(d.data, 6 * x0, rtol=1e-13)


def test_strict_and_argument_errors():
    with pytest.raises(RuntimeError, match="independent of inputs\\[1\\]"):
        AF.jacobian(lambda a, b: a * 2, (t64([1.0]), t64([2.0])), strict=True)
    J = AF.jacobian(lambda a, b: a * 2, (t64([1.0]), t64([2.0])))
    assert J[1].data.tolist() == [[0.0]]
    with pytest.raises(RuntimeError, match="one-element"):
        AF.hessian(f_affine_sin, t64(x0))
    with pytest.raises(ValueError, match="v\\[0\\] has shape"):
        AF.jvp(f_affine_sin, t64(x0), t64([1.0]))
    with pytest.raises(TypeError, match="Tensor or a tuple"):
        AF.jacobian(f_affine_sin, x0)


def test_gaussian_nll_hessian_gives_the_textbook_errors():
    """NLL of n points under N(μ, σ²): ∂²/∂μ² = n/σ², ∂²/∂σ² = 2n/σ² at the maximum, so the inverse
    Hessian gives var(μ̂) = σ²/n and var(σ̂) = σ²/2n."""
    data = rng.normal(1.0, 2.0, 500)
    mu, sigma = data.mean(), data.std()

    def nll(p):
        m, s = p[0], p[1]
        return (((tn.tensor(data) - m) / s) ** 2 / 2).sum() + len(data) * s.log()
    H = AF.hessian(nll, t64([mu, sigma]))
    cov = np.linalg.inv(H.data)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), [sigma / np.sqrt(500), sigma / np.sqrt(1000)], rtol=1e-10)
