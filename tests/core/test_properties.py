"""Property tests (hypothesis): broadcasting arithmetic and reductions agree with numpy, and their
gradients are those of the un-broadcast sums, for arbitrary compatible shapes."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinynn as tn

floats = st.floats(-10, 10, allow_nan=False, width=64)
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4), st.data(),
       st.sampled_from(["add", "sub", "mul"]))
def test_broadcast_arithmetic_matches_numpy_and_grads_unbroadcast(shapes, data, op):
    a = data.draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=floats))
    b = data.draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=floats))
    ta, tb = tn.Tensor(a, requires_grad=True), tn.Tensor(b, requires_grad=True)
    out = getattr(tn.ops, op)(ta, tb)
    expected = {"add": a + b, "sub": a - b, "mul": a * b}[op]
    np.testing.assert_array_equal(out.data, expected)
    assert out.shape == shapes.result_shape
    out.backward(np.ones(out.shape))
    # d(sum out)/da: broadcast the local derivative to the result, then sum back to a's shape.
    local_a = {"add": np.ones_like(expected), "sub": np.ones_like(expected), "mul": np.broadcast_to(b, out.shape)}[op]
    local_b = {"add": np.ones_like(expected), "sub": -np.ones_like(expected), "mul": np.broadcast_to(a, out.shape)}[op]
    for t, local in ((ta, local_a), (tb, local_b)):
        lead = out.ndim - t.ndim
        g = np.asarray(local).sum(axis=tuple(range(lead)))
        g = g.sum(axis=tuple(i for i, n in enumerate(t.shape) if n == 1), keepdims=True) if t.ndim else g
        np.testing.assert_allclose(t.grad, np.reshape(g, t.shape))


@st.composite
def array_and_axis(draw):
    arr = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), elements=floats))
    axis = draw(st.one_of(st.none(), st.integers(-arr.ndim, arr.ndim - 1),
                          st.lists(st.integers(0, arr.ndim - 1), min_size=1, max_size=arr.ndim, unique=True)
                          .map(tuple)))
    return arr, axis, draw(st.booleans())


@SETTINGS
@given(array_and_axis(), st.sampled_from(["sum", "mean", "max", "min", "logsumexp"]))
def test_reductions_match_numpy(case, name):
    arr, axis, keepdims = case
    t = tn.Tensor(arr, requires_grad=True)
    out = getattr(t, name)(axis=axis, keepdims=keepdims)
    if name == "logsumexp":
        m = arr.max(axis=axis, keepdims=True)
        expected = m + np.log(np.exp(arr - m).sum(axis=axis, keepdims=True))
        expected = expected if keepdims else np.squeeze(expected, axis=axis)
    else:
        expected = getattr(np, name)(arr, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    out.backward(np.ones(out.shape))
    # Each reduced group's gradient sums to d(group result)/d(group) summed: 1 for sum/max/min/logsumexp,
    # and 1 per element / n for mean, so the total gradient is #groups (times n for sum).
    groups = out.size
    n = arr.size // max(groups, 1)
    total = {"sum": groups * n, "mean": groups, "max": groups, "min": groups, "logsumexp": groups}[name]
    np.testing.assert_allclose(t.grad.sum(), total, rtol=1e-10)
