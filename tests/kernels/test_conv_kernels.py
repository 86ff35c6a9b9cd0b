"""Every convolution/pooling backend agrees with the readable reference (float64, to 1e-10), and the
numba kernels agree with their numpy twins; padding and folding are adjoint for every mode; samples
split over threads give the same numbers."""
import os
import threading

import numpy as np
import pytest

from tinynn import kernels
from tinynn.kernels import conv as kconv
from tinynn.kernels import chunks, parallel
from tinynn.kernels.im2col import col2im_numba, col2im_numpy, im2col_numba, im2col_numpy
from tinynn.ops.padding import fold2d, pad2d

# (x shape, w shape, stride, padding (top, bottom, left, right), dilation)
GEOMETRIES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    ((1, 2, 9, 8), (3, 2, 3, 2), (2, 3), (0, 2, 1, 0), (1, 2)),
    ((3, 1, 6, 7), (2, 1, 2, 3), (1, 2), (2, 1, 0, 3), (2, 1)),
    ((2, 4, 5, 5), (5, 4, 1, 1), (2, 2), (0, 0, 0, 0), (1, 1)),
    ((1, 2, 4, 4), (3, 2, 4, 4), (1, 1), (0, 0, 0, 0), (1, 1)),        # kernel as large as the input
    ((2, 2, 5, 6), (2, 2, 3, 3), (3, 1), (3, 3, 2, 2), (1, 1)),        # padding wider than the kernel
]
FAST = ["numpy", "numba"]


def _rel_err(a, b):
    return np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b)))


def _random(geometry, seed, dtype=np.float64):
    x_shape, w_shape, stride, padding, dilation = geometry
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    y_shape = kernels.conv2d_output_shape(x_shape, w_shape, stride, padding, dilation)
    return x, w, rng.standard_normal(y_shape).astype(dtype), dict(stride=stride, padding=padding, dilation=dilation)


@pytest.mark.parametrize("backend", FAST)
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[f"g{i}" for i in range(len(GEOMETRIES))])
def test_conv_backends_agree_with_reference(geometry, backend):
    x, w, gy, geo = _random(geometry, seed=1)
    y_ref = kernels.conv2d_forward(x, w, backend="reference", **geo)
    gx_ref, gw_ref = kernels.conv2d_backward(x, w, gy, backend="reference", **geo)
    y = kernels.conv2d_forward(x, w, backend=backend, **geo)
    gx, gw = kernels.conv2d_backward(x, w, gy, backend=backend, **geo)
    assert y.shape == y_ref.shape == gy.shape
    assert _rel_err(y, y_ref) < 1e-10
    assert _rel_err(gx, gx_ref) < 1e-10
    assert _rel_err(gw, gw_ref) < 1e-10


@pytest.mark.parametrize("backend", FAST)
def test_chunked_batches_give_the_same_result(backend, monkeypatch):
    """Tiny chunks (several per batch, the last one ragged) must not change any number."""
    x, w, gy, geo = _random(((5, 2, 6, 6), (3, 2, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1)), seed=2)

    def run():
        return (kernels.conv2d_forward(x, w, backend=backend, **geo),
                *kernels.conv2d_backward(x, w, gy, backend=backend, **geo))
    whole = run()
    monkeypatch.setattr(chunks, "CHUNK_ELEMENTS", 2 * 18 * 36)          # two samples per chunk: 2 + 2 + 1
    for a, b in zip(whole, run()):
        assert _rel_err(a, b) < 1e-13


def test_backward_skips_gradients_not_needed():
    x, w, gy, geo = _random(GEOMETRIES[0], seed=3)
    for backend in ["reference"] + FAST:
        gx, gw = kernels.conv2d_backward(x, w, gy, need_x=False, backend=backend, **geo)
        assert gx is None and gw.shape == w.shape
        gx, gw = kernels.conv2d_backward(x, w, gy, need_w=False, backend=backend, **geo)
        assert gw is None and gx.shape == x.shape


def test_float32_matches_float64_reference():
    x, w, gy, geo = _random(GEOMETRIES[1], seed=4)
    ref = kernels.conv2d_forward(x, w, backend="reference", **geo)
    for backend in FAST:
        y = kernels.conv2d_forward(x.astype(np.float32), w.astype(np.float32), backend=backend, **geo)
        assert y.dtype == np.float32 and _rel_err(y, ref) < 1e-5


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[f"g{i}" for i in range(len(GEOMETRIES))])
def test_im2col_twins_agree_and_col2im_is_the_adjoint(geometry):
    x, w, _, geo = _random(geometry, seed=5)
    kh, kw = w.shape[2:]
    (sh, sw), (dh, dw), pads = geo["stride"], geo["dilation"], geo["padding"]
    cols = im2col_numpy(x, kh, kw, geo["stride"], pads, geo["dilation"])
    Ho, Wo = kernels.conv2d_output_shape(x.shape, w.shape, geo["stride"], pads, geo["dilation"])[2:]
    args = (kh, kw, sh, sw, pads[0], pads[2], dh, dw, Ho, Wo)
    assert np.array_equal(im2col_numba(x, *args, np.empty_like(cols)), cols)
    c = np.random.default_rng(6).standard_normal(cols.shape)
    back = col2im_numpy(c, x.shape, kh, kw, geo["stride"], pads, geo["dilation"])
    assert _rel_err(col2im_numba(c, *args, np.zeros_like(x)), back) < 1e-13
    assert abs(np.sum(cols * c) - np.sum(x * back)) < 1e-10 * np.sum(np.abs(cols * c))


@pytest.mark.parametrize("mode,numpy_mode", [("zeros", "constant"), ("circular", "wrap"), ("reflect", "reflect")])
@pytest.mark.parametrize("pads", [(1, 1, 1, 1), (2, 0, 1, 3), (0, 3, 2, 0), (3, 3, 4, 2)])
def test_pad_matches_numpy_and_fold_is_its_adjoint(mode, numpy_mode, pads):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 4, 5))
    padded = pad2d(x, pads, mode)
    assert np.array_equal(padded, np.pad(x, ((0, 0), (0, 0), pads[:2], pads[2:]), mode=numpy_mode))
    g = rng.standard_normal(padded.shape)
    assert abs(np.sum(padded * g) - np.sum(x * fold2d(g, pads, mode))) < 1e-12


POOLS = [((2, 3, 6, 7), (2, 2), (2, 2), (0, 0, 0, 0)), ((1, 2, 5, 5), (3, 3), (2, 2), (1, 1, 1, 1)),
         ((2, 1, 7, 4), (3, 2), (1, 2), (1, 1, 0, 0)), ((1, 1, 4, 4), (4, 4), (1, 1), (0, 0, 0, 0))]


@pytest.mark.parametrize("geometry", POOLS, ids=[f"p{i}" for i in range(len(POOLS))])
def test_pooling_numba_agrees_with_numpy(geometry):
    x_shape, kernel, stride, padding = geometry
    rng = np.random.default_rng(8)
    x = rng.standard_normal(x_shape)
    x[0, 0, :2, :2] = 1.5                                               # a tie inside the first window
    (y1, a1), (y2, a2) = (kernels.max_pool2d_forward(x, kernel, stride, padding, backend=b) for b in FAST)
    assert np.array_equal(y1, y2) and np.array_equal(a1, a2)
    g = rng.standard_normal(y1.shape)
    assert np.array_equal(*(kernels.max_pool2d_backward(g, a1, x.shape, backend=b) for b in FAST))
    y1, y2 = (kernels.avg_pool2d_forward(x, kernel, stride, padding, backend=b) for b in FAST)
    assert _rel_err(y1, y2) < 1e-14
    g1, g2 = (kernels.avg_pool2d_backward(g, x.shape, kernel, stride, padding, backend=b) for b in FAST)
    assert _rel_err(g1, g2) < 1e-14


def test_backend_switch():
    assert kernels.resolve("auto") in ("numba", "numpy")
    with kernels.use_backend("reference"):
        assert kernels.get_backend() == "reference"
    with pytest.raises(ValueError, match="unknown kernel backend 'fast'.*reference"):
        kernels.set_backend("fast")


# ---- samples split over threads (tinynn/kernels/parallel.py) -----------------------------------------
@pytest.mark.parametrize("backend", FAST)
def test_samples_split_over_threads_give_the_same_result(backend, monkeypatch):
    """Chunks spread over 3 threads (BLAS on one) give the numbers of one thread, ragged chunks included."""
    x, w, gy, geo = _random(((7, 2, 6, 6), (3, 2, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1)), seed=9)

    def run():
        return (kernels.conv2d_forward(x, w, backend=backend, **geo),
                *kernels.conv2d_backward(x, w, gy, backend=backend, **geo))
    monkeypatch.setattr(chunks, "CHUNK_ELEMENTS", 2 * 18 * 36)          # 4 chunks: 2 + 2 + 2 + 1 samples
    alone = run()
    calls = []
    monkeypatch.setattr(chunks, "PARALLEL_MIN_PRODUCT", 0)
    monkeypatch.setattr(parallel, "threads", lambda: 3)
    map_chunks = parallel.map_chunks
    monkeypatch.setattr(parallel, "map_chunks", lambda *a: calls.append(a[1:]) or map_chunks(*a))
    for a, b in zip(alone, run()):
        assert _rel_err(a, b) < 1e-13
    assert calls == [([(0, 2), (2, 4), (4, 6), (6, 7)], 3)] * 2


def test_map_chunks_runs_groups_on_threads_with_one_blas_thread():
    seen = []

    def work(start, stop):
        seen.append((start, threading.current_thread().name, parallel.threads()))
        return stop - start
    before = parallel.threads()
    assert parallel.map_chunks(work, [(0, 2), (2, 4), (4, 5)], 2) == [2, 2, 1]
    assert parallel.threads() == before                                 # restored afterwards
    assert [name.startswith("tinynn-kernels") for _, name, _ in sorted(seen)] == [False, True, True]
    if before is not None:                                              # numpy's BLAS is an OpenBLAS
        assert {blas for _, _, blas in seen} == {1}
    with pytest.raises(ZeroDivisionError):                             # errors reach the caller, count restored
        parallel.map_chunks(lambda s, e: 1 / (s - 2), [(0, 2), (2, 4)], 2)
    assert parallel.threads() == before


def test_one_blas_thread_nests_and_restores():
    before = parallel.threads()
    if before is None:
        pytest.skip("numpy's BLAS is not an OpenBLAS: nothing to set")
    with parallel.one_blas_thread():
        with parallel.one_blas_thread():
            assert parallel.threads() == 1
        assert parallel.threads() == 1
    assert parallel.threads() == before


def test_a_forked_child_gets_its_own_thread_pool(monkeypatch):
    pool = parallel._pool(1)
    assert parallel._pool(1) is pool
    monkeypatch.setattr(os, "getpid", lambda: -1)                       # as in a child after fork
    assert parallel._pool(1) is not pool
