"""Issue #14, defects 1-9: one test each (each fails on the code before the fix, as noted).

x = tn.randn(3, 4) in the issue's reproductions.
"""
import warnings

import numpy as np
import pytest

import tinynn as tn
import tinynn.functional as F
import tinynn.nn as nn


def test_1_object_and_string_data_are_refused_everywhere_with_the_dtype_named():
    """Was: Linear gave [[nan, nan]] for a None, Tensor() built <U1 and object tensors."""
    for bad in (np.array(["a", "b"]), np.array([1.0, None], dtype=object)):
        with pytest.raises(TypeError, match=f"tensor: expected numbers, got data of dtype {bad.dtype}"):
            tn.Tensor(bad)
    with pytest.raises(TypeError, match=r"linear: expected numbers, got data of dtype object"):
        nn.Linear(3, 2)([[1.0, None, 3.0]])
    with pytest.raises(TypeError, match="Conv2d.*expected numbers, got data of dtype object"):
        nn.Conv2d(1, 1, 1)(np.full((1, 1, 2, 2), None))
    with pytest.raises(TypeError, match="mse_loss: expected numbers, got data of dtype object"):
        F.mse_loss(tn.zeros(2), np.array([1.0, None], dtype=object))


def test_2_an_integer_input_never_truncates_a_float_target():
    """Was 0 (the target cast to the input's int dtype); PyTorch gives 0.25."""
    assert F.mse_loss(tn.tensor([1, 2]), np.array([1.5, 2.5])).item() == pytest.approx(0.25)
    assert F.l1_loss(tn.tensor([1, 2]), np.array([1.5, 2.5])).item() == pytest.approx(0.5)
    assert F.mse_loss(tn.tensor([1, 2]), tn.tensor([1.5, 2.5])).dtype.kind == "f"


def test_3_binary_cross_entropy_refuses_nan_like_any_value_outside_0_1():
    """Was nan: the range check caught inf but not NaN."""
    with pytest.raises(ValueError, match="binary_cross_entropy: target values must lie in"):
        F.binary_cross_entropy(tn.tensor([0.5]), np.array([np.nan]))
    with pytest.raises(ValueError, match="binary_cross_entropy: input values must lie in"):
        F.binary_cross_entropy(tn.tensor([np.nan]), np.array([1.0]))


def test_4_a_numpy_scalar_behaves_like_a_python_number():
    """Was float64: np.float64(2.0) and np.sqrt(d) turned a float32 graph into float64."""
    x = tn.ones(3)
    assert (x * np.float64(2.0)).dtype == np.float32
    assert (x / np.sqrt(16)).dtype == np.float32
    assert (np.float64(2.0) * x).dtype == np.float32
    assert (x + np.array([1.0, 2.0, 3.0])).dtype == np.float32       # as before: a float64 array too
    assert (x - 2.0).dtype == np.float32


def test_5_logsumexp_of_infinite_rows():
    """Was [nan, nan]; PyTorch gives [inf, -inf]."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = tn.ops.logsumexp(tn.tensor([[np.inf, 1.0], [-np.inf, -np.inf]]), axis=1)
    np.testing.assert_array_equal(out.data, [np.inf, -np.inf])


def test_6_a_masked_logit_gives_a_finite_loss_and_gradient():
    """Was nan for cross_entropy and nll_loss (0 · -inf); PyTorch 1.3133 and 0."""
    logits = tn.tensor([[-np.inf, 0.0, 1.0]], requires_grad=True)
    loss = F.cross_entropy(logits, np.array([1]))
    assert loss.item() == pytest.approx(1.3132617, rel=1e-6)
    loss.backward()
    assert np.isfinite(logits.grad).all()
    np.testing.assert_allclose(logits.grad, [[0.0, 1 / (1 + np.e) - 1, np.e / (1 + np.e)]], rtol=1e-6)
    logp = tn.tensor([[-np.inf, 0.0]], requires_grad=True)
    nll = F.nll_loss(logp, np.array([1]))
    assert nll.item() == 0.0
    nll.backward()
    np.testing.assert_array_equal(logp.grad, [[0.0, -1.0]])


def test_7_float16_mean_and_mse_accumulate_in_float32():
    """Was inf: the float16 sum overflowed (numpy and PyTorch give 60000 and 100)."""
    big = tn.Tensor(np.full((100, 60000), 60000, np.float16))
    assert big.mean().item() == 60000 and big.mean().dtype == np.float16
    assert F.mse_loss(tn.Tensor(np.full(1000, 10, np.float16)), np.zeros(1000)).item() == 100


@pytest.mark.parametrize("call, op", [
    (lambda x: x.transpose(0, 5), "transpose"),
    (lambda x: tn.concat([x, x], axis=5), "concat"),
    (lambda x: tn.stack([x, x], axis=5), "stack"),
    (lambda x: x.unsqueeze(5), "unsqueeze"),
    (lambda x: x.unsqueeze(-5), "unsqueeze"),
    (lambda x: x.squeeze(5), "squeeze"),
    (lambda x: x.flatten(5), "flatten"),
    (lambda x: x.sum(axis=2), "sum"),
    (lambda x: x.softmax(axis=-3), "softmax"),
    (lambda x: x.permute(0, 2), "permute"),
])
def test_8_an_out_of_range_axis_is_one_clear_error(call, op):
    """Was a bare IndexError, a tuple IndexError, or a silently wrong shape (unsqueeze, squeeze, flatten)."""
    with pytest.raises(IndexError, match=rf"{op}: dimension out of range \(axis -?\d for a tensor of shape \(3, 4\)"):
        call(tn.randn(3, 4))


def test_9_a_non_finite_class_label_is_named():
    """Was 'target -9223372036854775808 is out of range' and a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="cross_entropy: class targets must be finite integers, found inf"):
            F.cross_entropy(tn.randn(2, 3), np.array([0, np.inf]))
        with pytest.raises(ValueError, match="nll_loss: class targets must be finite integers, found nan"):
            F.nll_loss(tn.randn(2, 3), np.array([np.nan, 1]))
