"""tinynn.autograd.grad's is_grads_batched and materialize_grads (PyTorch's semantics), against closed forms
and against one call per vector."""
import numpy as np
import pytest

import tinynn as tn
from tinynn.autograd import grad
from tinynn.scalar import Value

rng = np.random.default_rng(11)
A = rng.standard_normal((3, 4))
x0 = rng.standard_normal(4)


def t64(values, requires_grad=True):
    return tn.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_batched_grad_outputs_give_the_jacobian_rows():
    """y = A sin(x): with the basis of R³ as the batch, the rows of J = A diag(cos x); with any V, V J."""
    x = t64(x0)
    y = tn.tensor(A) @ x.sin()
    (J,) = grad(y, x, np.eye(3), is_grads_batched=True, retain_graph=True)
    assert J.shape == (3, 4) and not J.requires_grad
    np.testing.assert_allclose(J.data, A * np.cos(x0), rtol=1e-14)
    V = rng.standard_normal((5, 3))
    (VJ,) = grad(y, x, tn.tensor(V), is_grads_batched=True)
    np.testing.assert_allclose(VJ.data, V @ (A * np.cos(x0)), rtol=1e-13)


def test_batched_equals_one_call_per_vector_with_several_outputs_and_inputs():
    x, s = t64(x0), t64([0.7])
    a, b = x * s, (x.exp() * s).sum()
    V = [rng.standard_normal((2, 4)), rng.standard_normal(2)]
    gx, gs = grad([a, b], [x, s], V, is_grads_batched=True, retain_graph=True)
    assert gx.shape == (2, 4) and gs.shape == (2, 1)
    for k in range(2):                 # closed form: d/dx = v s + w s eˣ, d/ds = v·x + w Σ eˣ
        np.testing.assert_allclose(gx.data[k], V[0][k] * 0.7 + V[1][k] * 0.7 * np.exp(x0), rtol=1e-14)
        np.testing.assert_allclose(gs.data[k], [V[0][k] @ x0 + V[1][k] * np.exp(x0).sum()], rtol=1e-14)
        one = grad([a, b], [x, s], [V[0][k], V[1][k]], retain_graph=True)
        np.testing.assert_array_equal(gx.data[k], one[0].data)
        np.testing.assert_array_equal(gs.data[k], one[1].data)


def test_batched_with_create_graph_is_differentiable_and_frees_the_graph_after_the_batch():
    x = t64(x0)
    y = x ** 3
    (J,) = grad(y, x, np.eye(4), is_grads_batched=True, create_graph=True)     # diag(3x²)
    np.testing.assert_allclose(J.data, np.diag(3 * x0 ** 2), rtol=1e-14)
    (d,) = grad((J * J).sum(), x)                                                # Σ 9x⁴ → 36x³
    np.testing.assert_allclose(d.data, 36 * x0 ** 3, rtol=1e-13)
    z = (x.sin() * x).sum() * tn.tensor([1.0, 2.0])
    grad(z, x, np.eye(2), is_grads_batched=True)           # retain_graph defaults to create_graph=False
    with pytest.raises(RuntimeError, match="second time"):
        grad(z, x, np.ones(2))


def test_batched_grad_outputs_that_require_grad_stay_in_the_graph():
    """d/dV Σ (V J)² = 2 (V J) Jᵀ for y = A sin(x)."""
    x = t64(x0)
    V = t64(rng.standard_normal((2, 3)))
    (VJ,) = grad(tn.tensor(A) @ x.sin(), x, V, is_grads_batched=True, create_graph=True)
    (dV,) = grad((VJ * VJ).sum(), V)
    J = A * np.cos(x0)
    np.testing.assert_allclose(dV.data, 2 * (V.data @ J) @ J.T, rtol=1e-13)


def test_batched_shape_errors_name_grad_outputs_and_the_problem():
    x = t64(x0)
    y = x * 2
    with pytest.raises(ValueError, match=r"first axis of grad_outputs\[0\] as the batch.*\(4,\).*shape \(4,\)"):
        grad(y, x, np.ones(4), is_grads_batched=True, retain_graph=True)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(2, 3\)"):
        grad(y, x, np.ones((2, 3)), is_grads_batched=True, retain_graph=True)
    with pytest.raises(ValueError, match=r"needs grad_outputs\[0\]"):
        grad(y.sum(), x, is_grads_batched=True, retain_graph=True)
    with pytest.raises(ValueError, match=r"one batch size.*\[2, 3\]"):
        grad([y, y.sum()], x, [np.ones((2, 4)), np.ones(3)], is_grads_batched=True, retain_graph=True)
    with pytest.raises(ValueError, match="empty batch"):
        grad(y, x, np.ones((0, 4)), is_grads_batched=True, retain_graph=True)
    with pytest.raises(TypeError, match="is_grads_batched=True needs Tensors"):
        grad(Value(2.0) * 3, Value(1.0), [1.0], is_grads_batched=True)


def test_materialize_grads_gives_zeros_and_implies_allow_unused():
    x, z = t64([1.0, 2.0]), t64([[3.0]])
    gx, gz = grad((x * x).sum(), [x, z], materialize_grads=True)
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])
    assert gz.shape == (1, 1) and gz.dtype == np.float64 and not gz.data.any() and not gz.requires_grad
    with pytest.raises(ValueError, match="materialize_grads=True.*allow_unused=False"):
        grad((x * x).sum(), [x, z], materialize_grads=True, allow_unused=False)
    gx, gz = grad((x * x).sum(), [x, z], allow_unused=True, materialize_grads=True)
    assert gz is not None
    with pytest.raises(RuntimeError, match=r"inputs\[1\].*materialize_grads=True"):
        grad((x * x).sum(), [x, z])


def test_materialized_zeros_can_be_differentiated_again():
    """f = Σ x³ ignores z: the zeros for z require grad with create_graph, so a function of both
    first derivatives can be differentiated again: d/dx Σ (gx² + gz) = d/dx Σ 9x⁴ = 36x³, d/dz = 0."""
    x, z = t64([0.5, -1.5]), t64([2.0])
    gx, gz = grad((x ** 3).sum(), [x, z], create_graph=True, materialize_grads=True)
    assert gz.requires_grad and gz.shape == (1,)
    hx, hz = grad((gx * gx).sum() + gz.sum(), [x, z], materialize_grads=True)
    np.testing.assert_allclose(hx.data, 36 * x.data ** 3, rtol=1e-14)
    np.testing.assert_array_equal(hz.data, [0.0])


def test_materialize_grads_in_a_batch_gives_a_batch_of_zeros():
    x, z = t64(x0), t64([1.0, 2.0])
    gx, gz = grad(x * 3, [x, z], np.eye(4)[:3], is_grads_batched=True, materialize_grads=True)
    np.testing.assert_array_equal(gx.data, 3 * np.eye(4)[:3])
    assert gz.shape == (3, 2) and not gz.data.any()


def test_materialize_grads_on_the_scalar_engine():
    a, b = Value(1.5), Value(-2.0)
    ga, gb = grad(a * a, [a, b], materialize_grads=True)
    assert ga.data == 3.0 and isinstance(gb, Value) and gb.data == 0.0
    assert grad(a * a, [a, b], allow_unused=True)[1] is None
