"""Winograd F(2×2, 3×3) (tinynn/kernels/winograd.py, numba_winograd.py, the path in conv.py).

- the matrices of the docstring are the 1-D transforms of the code, and they compute a 3-tap filter;
- every numba kernel gives its numpy twin's bits (float32 and float64, -0.0 and NaN included), so
  the 'auto' backend may switch from one to the other mid-run;
- the Winograd path agrees with the reference loops (float64 to 1e-10, float32 to 1e-5), forward and
  backward, through conv2d and through gradcheck; chunks and threads do not change the numbers.
"""
import numpy as np
import pytest

import tinynn
import tinynn.functional as F
from tinynn import kernels
from tinynn.gradcheck import gradcheck
from tinynn.kernels import conv as kconv
from tinynn.kernels import chunks, numba_winograd, parallel, winograd

DTYPES = (np.float32, np.float64)
# (x shape, padding (top, bottom, left, right)): odd and even sizes, no/asymmetric/wide padding, 1×1 input
GEOMETRIES = [((2, 3, 7, 6), (1, 1, 1, 1)), ((3, 2, 5, 8), (0, 0, 0, 0)), ((1, 2, 6, 5), (2, 0, 1, 3)),
              ((2, 1, 3, 3), (3, 3, 3, 3)), ((2, 2, 4, 9), (4, 0, 0, 3)), ((1, 1, 1, 1), (1, 1, 1, 1)),
              ((4, 5, 16, 16), (1, 1, 1, 1))]
KERNELS = ["input", "input_adjoint", "output", "output_no_bias", "output_adjoint"]


def same_bits(a, b):
    """Equal shape, dtype and bits (-0.0 differs from 0.0, NaN equals NaN)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    ints = np.uint32 if a.dtype == np.float32 else np.uint64
    return np.array_equal(np.ascontiguousarray(a).view(ints), np.ascontiguousarray(b).view(ints))


def values(rng, shape, dtype):
    """Random numbers over many magnitudes (so the order of additions matters), with exact zeros,
    negative zeros and repeats."""
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-4, 5, shape)
    x[rng.random(shape) < 0.1] = 1.0
    x[rng.random(shape) < 0.05] = 0.0
    x[rng.random(shape) < 0.05] = -0.0
    return x.astype(dtype)


@pytest.fixture
def winograd_always(monkeypatch):
    """Every 3×3, stride-1, dilation-1 convolution takes the Winograd path, however few channels."""
    monkeypatch.setattr(kconv, "WINOGRAD_MIN_CHANNELS", 0)


def test_docstring_matrices_are_the_code_and_compute_a_three_tap_filter():
    eye = np.eye(4)
    assert np.array_equal(np.array(winograd.bt_1d(*eye)), winograd.BT)
    assert np.array_equal(np.array(winograd.b_1d(*eye)), winograd.BT.T)
    assert np.array_equal(np.array(winograd.at_1d(*eye)), winograd.AT)
    assert np.array_equal(np.array(winograd.a_1d(*np.eye(2))), winograd.AT.T)
    d, g = np.array([3.0, -1.0, 4.0, 2.0]), np.array([0.5, 2.0, -1.0])
    y = winograd.AT @ ((winograd.G @ g) * (winograd.BT @ d))
    assert np.allclose(y, [d[0:3] @ g, d[1:4] @ g], rtol=0, atol=1e-14)      # y0 = -6.5, y1 = -4.5


def test_weight_transform_adjoint_is_the_adjoint():
    rng = np.random.default_rng(0)
    w, du = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((16, 3, 2))
    assert abs(np.sum(winograd.weight_transform(w) * du) - np.sum(w * winograd.weight_transform_adjoint(du))) < 1e-12


def _kernel_args(rng, x_shape, padding, dtype, channels_out=3):
    """Arguments (in order) of each kernel pair for one geometry."""
    N, C, H, W = x_shape
    Ho, Wo = H + padding[0] + padding[1] - 2, W + padding[2] + padding[3] - 2
    th, tw, S = winograd.tiles(Ho, Wo)
    pt, pl = padding[0], padding[2]
    return {"input": (values(rng, x_shape, dtype), th, tw, pt, pl, np.empty((16, C, N, S), dtype)),
            "input_adjoint": (values(rng, (16, C, N, S), dtype), th, tw, pt, pl, np.empty(x_shape, dtype)),
            "output": (values(rng, (16, channels_out, N, S), dtype), th, tw, values(rng, channels_out, dtype),
                       np.empty((N, channels_out, Ho, Wo), dtype)),
            "output_no_bias": (values(rng, (16, channels_out, N, S), dtype), th, tw, np.zeros(0, dtype),
                               np.empty((N, channels_out, Ho, Wo), dtype)),
            "output_adjoint": (values(rng, (N, channels_out, Ho, Wo), dtype), th, tw,
                               np.empty((16, channels_out, N, S), dtype))}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", KERNELS)
def test_numba_kernels_give_their_numpy_twins_bits(name, dtype):
    rng = np.random.default_rng(1)
    for x_shape, padding in GEOMETRIES:
        args = _kernel_args(rng, x_shape, padding, dtype)[name]
        args[0].flat[0] = np.nan
        function = name.replace("_no_bias", "")
        twin = getattr(winograd, function + "_numpy")(*args[:-1], np.full_like(args[-1], 7.0))
        kernel = getattr(numba_winograd, function + "_numba")(*args[:-1], np.full_like(args[-1], -7.0))
        assert same_bits(kernel, twin), (name, x_shape, padding)


def test_warm_runs_every_kernel():
    numba_winograd.warm()
    assert len(numba_winograd.NUMBA_KERNELS) == 4
    assert all(len(k.signatures) >= 2 for k in numba_winograd.NUMBA_KERNELS)     # float32 and float64


def test_the_bias_is_added_once_and_only_when_given(winograd_always):
    x, w, _, geo = _case(GEOMETRIES[0], seed=7)
    bias = np.array([1.0, -2.0, 0.5, 3.0])
    plain = kernels.conv2d_forward(x, w, **geo)
    assert np.array_equal(kernels.conv2d_forward(x, w, bias=bias, **geo), plain + bias.reshape(1, -1, 1, 1))


def _case(geometry, seed, dtype=np.float64, out_channels=4):
    x_shape, padding = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((out_channels, x_shape[1], 3, 3)).astype(dtype)
    Ho, Wo = x_shape[2] + padding[0] + padding[1] - 2, x_shape[3] + padding[2] + padding[3] - 2
    gy = rng.standard_normal((x_shape[0], out_channels, Ho, Wo)).astype(dtype)
    return x, w, gy, dict(padding=padding)


def _run(x, w, gy, geo, backend, bias=None):
    return (kernels.conv2d_forward(x, w, backend=backend, bias=bias, **geo),
            *kernels.conv2d_backward(x, w, gy, backend=backend, **geo))


def _rel_err(a, b):
    return np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[f"g{i}" for i in range(len(GEOMETRIES))])
def test_winograd_agrees_with_the_reference(geometry, backend, winograd_always):
    x, w, gy, geo = _case(geometry, seed=2)
    bias = np.random.default_rng(3).standard_normal(w.shape[0])
    assert kconv.uses_winograd(w.shape, (1, 1), (1, 1))
    want = _run(x, w, gy, geo, "reference", bias)
    for got, ref in zip(_run(x, w, gy, geo, backend, bias), want):
        assert got.shape == ref.shape and _rel_err(got, ref) < 1e-10
    x32, w32, gy32, b32 = x.astype(np.float32), w.astype(np.float32), gy.astype(np.float32), bias.astype(np.float32)
    for got, ref in zip(_run(x32, w32, gy32, geo, backend, b32), want):
        assert got.dtype == np.float32 and _rel_err(got, ref) < 1e-5


@pytest.mark.parametrize("dtype", DTYPES)
def test_winograd_numba_and_numpy_paths_give_the_same_bits(dtype, winograd_always):
    for i, geometry in enumerate(GEOMETRIES):
        x, w, gy, geo = _case(geometry, seed=3 + i, dtype=dtype)
        bias = np.arange(w.shape[0], dtype=dtype) - 1.5
        for a, b in zip(_run(x, w, gy, geo, "numba", bias), _run(x, w, gy, geo, "numpy", bias)):
            assert same_bits(a, b), geometry


def test_winograd_gradcheck_through_conv2d(winograd_always):
    rng = np.random.default_rng(4)
    x = tinynn.Tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
    w = tinynn.Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = tinynn.Tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=(2, 1)), [x, w, b])
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding=1, padding_mode="circular"), [x, w])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_chunks_and_threads_do_not_change_the_numbers(backend, monkeypatch, winograd_always):
    """One sample per chunk, then 3 threads (BLAS on one each), against one chunk for the batch."""
    x, w, gy, geo = _case(((7, 3, 6, 5), (1, 1, 1, 1)), seed=5)
    whole = _run(x, w, gy, geo, backend)
    monkeypatch.setattr(winograd, "WINOGRAD_CHUNK_ELEMENTS", 1)
    for a, b in zip(whole, _run(x, w, gy, geo, backend)):
        assert _rel_err(a, b) < 1e-13
    alone = _run(x, w, gy, geo, backend)
    monkeypatch.setattr(chunks, "PARALLEL_MIN_PRODUCT", 0)
    monkeypatch.setattr(parallel, "threads", lambda: 3)
    for a, b in zip(alone, _run(x, w, gy, geo, backend)):
        assert same_bits(a, b)


def test_backward_skips_gradients_not_needed(winograd_always):
    x, w, gy, geo = _case(GEOMETRIES[0], seed=6)
    gx, gw = kernels.conv2d_backward(x, w, gy, need_x=False, **geo)
    assert gx is None and gw.shape == w.shape
    gx, gw = kernels.conv2d_backward(x, w, gy, need_w=False, **geo)
    assert gw is None and gx.shape == x.shape
    assert kernels.conv2d_backward(x, w, gy, need_x=False, need_w=False, **geo) == (None, None)


def test_which_convolutions_take_the_winograd_path():
    big = kconv.WINOGRAD_MIN_CHANNELS
    assert kconv.uses_winograd((big, 1, 3, 3), (1, 1), (1, 1))
    assert not kconv.uses_winograd((big - 1, 1, 3, 3), (1, 1), (1, 1))          # too few channels
    assert not kconv.uses_winograd((big, 1, 3, 3), (2, 1), (1, 1))              # stride
    assert not kconv.uses_winograd((big, 1, 3, 3), (1, 1), (1, 2))              # dilation
    assert not kconv.uses_winograd((big, 1, 3, 2), (1, 1), (1, 1))              # not 3×3
