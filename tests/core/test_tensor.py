"""Behaviour of Tensor and backward(): accumulation, graph freeing, dtypes, no_grad, clear errors."""
import warnings

import numpy as np
import pytest

import tinynn as tn
from tinynn import Tensor


def test_leaves_accumulate_and_intermediates_do_not_keep_grad():
    x = tn.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    y = x * x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)
    assert y.grad is None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 3)


def test_reused_node_gets_the_sum_of_both_paths():
    x = tn.tensor(1.5, dtype=np.float64, requires_grad=True)
    a = x.exp()
    (a * a + a).backward()          # d/dx (e^2x + e^x) = 2e^2x + e^x
    assert x.grad == pytest.approx(2 * np.exp(3.0) + np.exp(1.5), rel=1e-14)


def test_retain_grad_keeps_intermediate_gradient():
    x = tn.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    h = (x * 2).retain_grad()
    (h ** 2).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)


def test_second_backward_through_freed_graph_raises_and_retain_graph_allows_it():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_on_non_scalar_needs_grad_and_explains():
    x = tn.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*grad="):
        (x * 2).backward()
    (x * 2).backward(np.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad, 1.0)
    with pytest.raises(ValueError, match=r"grad has shape \(3,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_without_requires_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tn.ones(3).sum().backward()


def test_no_grad_records_nothing_and_enable_grad_reenables():
    w = tn.ones(3, requires_grad=True)
    with tn.no_grad():
        y = w * 2
        with tn.enable_grad():
            z = w * 2
    assert not y.requires_grad and y._ctx is None
    assert z.requires_grad
    assert tn.is_grad_enabled()


def test_detach_cuts_the_graph():
    w = tn.ones(3, requires_grad=True)
    d = (w * 2).detach()
    assert not d.requires_grad and d._ctx is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_keep_the_input_dtype(dtype):
    x = tn.randn(4, 3, dtype=dtype, requires_grad=True)
    w = tn.randn(3, 2, dtype=np.float64, requires_grad=True)   # mixed precision: result is float64
    ((x @ w).tanh() * 0.5).sum().backward()
    assert x.grad.dtype == dtype and w.grad.dtype == np.float64


def test_float_python_data_defaults_to_float32_and_arrays_keep_dtype():
    assert tn.tensor([1.0, 2.0]).dtype == np.float32
    assert tn.tensor(np.zeros(2)).dtype == np.float64
    assert tn.tensor([1, 2]).dtype == np.int64
    assert (tn.tensor([1.0]) * 2.0).dtype == np.float32   # Python numbers do not upcast


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        tn.tensor([1, 2, 3], requires_grad=True)


def test_matmul_shape_mismatch_names_op_and_both_shapes():
    a, b = tn.ones(2, 3), tn.ones(4, 5)
    with pytest.raises(ValueError, match=r"MatMul.*\(2, 3\).*\(4, 5\)"):
        a @ b


def test_broadcast_mismatch_names_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"Add.*\(2, 3\).*\(4,\)"):
        tn.ones(2, 3) + tn.ones(4)


def test_reshape_and_axis_errors_are_clear():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4, 2\)"):
        tn.ones(2, 3).reshape(4, 2)
    with pytest.raises(IndexError, match=r"sum: dimension out of range \(axis 2 for a tensor of shape \(2, 3\)"):
        tn.ones(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match="log of a non-positive"):
        tn.tensor([1.0, -1.0]).log()


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "elu", "softmax", "log_softmax", "logsumexp",
                                  "relu", "leaky_relu"])
def test_stable_ops_are_finite_and_silent_at_large_inputs(name):
    x = tn.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(x, name)()
        y.sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad))


def test_relu_at_infinities_nan_and_signed_zero():
    """max(x, 0) as in PyTorch: ReLU(-inf) is 0 (x · [x > 0] made it NaN), NaN stays NaN, -0.0 gives +0.0."""
    x = tn.tensor([-np.inf, -2.0, -0.0, np.nan, 3.0, np.inf], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.relu()
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 0.0, np.nan, 3.0, np.inf])
    assert not np.signbit(y.data[:3]).any()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 0.0, 1.0, 1.0])


def test_sigmoid_and_log_softmax_values_at_extremes():
    x = tn.tensor([-1000.0, 1000.0], dtype=np.float64)
    np.testing.assert_array_equal(x.sigmoid().data, [0.0, 1.0])
    np.testing.assert_allclose(x.log_softmax().data, [-2000.0, 0.0])
    np.testing.assert_allclose(tn.tensor([1000.0, 1000.0], dtype=np.float64).logsumexp().item(), 1000 + np.log(2))


def test_getitem_repeated_indices_accumulate():
    x = tn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_boolean_mask_and_tensor_index():
    x = tn.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    x[x > 0].sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 0], [0, 1]])
    idx = tn.tensor([1, 0])
    np.testing.assert_array_equal(x[idx].data, [[-3, 4], [1, -2]])


def test_max_splits_gradient_between_ties():
    x = tn.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5]])


def test_factories_shapes_dtypes_and_seeding():
    assert tn.zeros(2, 3).shape == (2, 3) and tn.ones((4,)).dtype == np.float32
    assert tn.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert tn.eye(3, dtype=np.float64).data.trace() == 3
    assert tn.arange(5).dtype == np.int64 and tn.arange(0.0, 1.0, 0.25).shape == (4,)
    assert tn.linspace(0, 1, 5).data[-1] == 1.0
    a = tn.zeros_like(tn.ones(2, dtype=np.float64))
    assert a.dtype == np.float64 and tn.ones_like(a).data.sum() == 2
    arr = np.arange(3.0)
    assert tn.from_numpy(arr).data is arr and tn.tensor(arr).data is not arr
    tn.manual_seed(123)
    r1 = tn.randn(5).data
    tn.manual_seed(123)
    np.testing.assert_array_equal(r1, tn.randn(5).data)
    assert 0 <= tn.rand(100).data.min() and tn.rand(100).data.max() < 1


def test_item_numpy_and_repr():
    t = tn.tensor([[2.5]], requires_grad=True)
    assert t.item() == 2.5 and isinstance(t.numpy(), np.ndarray)
    assert "requires_grad=True" in repr(t) and "grad_fn=Mul" in repr(t * 2)
    with pytest.raises(ValueError, match="one element"):
        tn.ones(2).item()


def test_ndarray_on_the_left_uses_tensor_operators():
    x = tn.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, Tensor) and y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_long_chain_needs_no_recursion():
    x = tn.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_submodules_are_reachable_after_a_bare_import():
    import subprocess
    import sys
    code = "import tinynn as tn, sys; print(tn.optim.Adam.__name__, 'matplotlib' in sys.modules, 'numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["Adam", "False", "False"]   # `import tinynn` stays light: no matplotlib, no numba
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tn.nope


def test_a_training_scripts_imports_do_not_load_numba():
    """numba (and scipy, which it imports) cost ~0.4 s: a training script's imports must not pay it;
    the first convolution starts loading it in the background (tinynn/kernels/warmup.py)."""
    import subprocess
    import sys
    code = ("import sys, numpy as np, tinynn, tinynn.nn as nn, tinynn.optim, tinynn.train\n"
            "print(sorted(m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules))\n"
            "nn.Conv2d(1, 2, 3)(tinynn.Tensor(np.ones((1, 1, 5, 5), dtype=np.float32)))\n"
            "print(tinynn.kernels.numba_status() in ('warming', 'ready'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "True"]
