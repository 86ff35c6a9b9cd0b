"""The two kernel tiers: numba kernels and numpy twins give the same bits, and the switch between them.

Backend 'auto' runs the numpy twins until numba is loaded on a background thread, then the numba
kernels (tinynn/kernels/warmup.py). That is only safe if every pair agrees bit for bit, so the first
tests compare each pair on random cases (odd sizes, strides, dilation, padding, overlapping windows,
ties, NaN, -inf, -0.0) in float32 and float64. The rest checks the warm-up's state machine on stand-in
modules (fast, in this process); the real thing runs in fresh processes in tests/kernels/test_conv_subprocess.py.
"""
import math
import sys
import threading
import types
import warnings

import numpy as np
import pytest

from tinynn.kernels import conv, pool, relu, use_backend, warmup
from tinynn.kernels.im2col import col2im_numba, col2im_numpy, im2col_numba, im2col_numpy

DTYPES = (np.float32, np.float64)


def same_bits(a, b):
    """Equal shape, dtype and bit pattern (so -0.0 differs from 0.0, as a later 1/x would show)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind != "f":
        return np.array_equal(a, b)
    ints = np.uint32 if a.dtype == np.float32 else np.uint64
    return np.array_equal(np.ascontiguousarray(a).view(ints), np.ascontiguousarray(b).view(ints))


def test_same_bits_sees_the_sign_of_zero():
    assert same_bits(np.zeros(2), np.zeros(2)) and not same_bits(np.zeros(2), -np.zeros(2))


def values(rng, shape, dtype):
    """Random numbers over many magnitudes (so the order of additions matters), with repeats (ties)."""
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-4, 5, shape)
    x[rng.random(shape) < 0.1] = 1.0
    return x.astype(dtype)


def conv_cases(count=24):
    rng = np.random.default_rng(7)
    for _ in range(count):
        C, (kh, kw) = int(rng.integers(1, 4)), rng.integers(1, 4, 2)
        stride, dilation = tuple(int(s) for s in rng.integers(1, 3, 2)), tuple(int(d) for d in rng.integers(1, 3, 2))
        padding = tuple(int(p) for p in rng.integers(0, 3, 4))
        H, W = int(rng.integers(dilation[0] * (kh - 1) + 1, 12)), int(rng.integers(dilation[1] * (kw - 1) + 1, 12))
        x_shape, w_shape = (int(rng.integers(1, 4)), C, H, W), (int(rng.integers(1, 4)), C, int(kh), int(kw))
        yield rng, x_shape, w_shape, stride, padding, dilation


@pytest.mark.parametrize("dtype", DTYPES)
def test_im2col_and_col2im_kernels_match_their_twins_bit_for_bit(dtype):
    for rng, x_shape, w_shape, stride, padding, dilation in conv_cases():
        x = values(rng, x_shape, dtype)
        kh, kw = w_shape[2:]
        cols = im2col_numpy(x, kh, kw, stride, padding, dilation)
        N, K, L = cols.shape
        _, _, Ho, Wo = conv.conv2d_output_shape(x_shape, w_shape, stride, padding, dilation)
        args = (kh, kw, *stride, padding[0], padding[2], *dilation, Ho, Wo)
        assert same_bits(im2col_numba(x, *args, np.empty_like(cols)), cols)
        g = values(rng, cols.shape, dtype)
        assert same_bits(col2im_numba(g, *args, np.zeros_like(x)), col2im_numpy(g, x_shape, kh, kw, stride, padding,
                                                                               dilation))


def relu_forward(x):
    """(out, mask) of the fast ReLU op (tinynn/kernels/relu.py): the kernel where it applies, else numpy."""
    op = relu.ReLU()
    return op.forward(x), op.saved[0]


def relu_backward(g, mask):
    op = relu.ReLU()
    op.save_for_backward(mask)
    return op.backward(g)


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_kernels_match_their_twins_bit_for_bit(dtype):
    rng = np.random.default_rng(3)
    x = values(rng, (3, 5, relu.MIN_SIZE // 15 + 1), dtype)          # just above the kernels' minimum size
    for special, share in ((-0.0, 0.1), (0.0, 0.1), (np.nan, 0.02), (-np.inf, 0.02), (np.inf, 0.02)):
        x.flat[rng.random(x.size) < share] = special
    g = values(rng, x.shape, dtype)
    results = {}
    for backend in ("numpy", "numba"):
        with use_backend(backend):
            out, mask = relu_forward(x)
            results[backend] = (out, mask, relu_backward(g, mask))
    assert all(same_bits(a, b) for a, b in zip(results["numpy"], results["numba"]))
    out = results["numba"][0]
    assert np.isnan(out[np.isnan(x)]).all()                           # ReLU keeps NaN a NaN
    assert same_bits(out[x == -np.inf], np.zeros((x == -np.inf).sum(), dtype))   # and ReLU(-inf) = +0.0


def test_relu_uses_the_kernels_only_where_they_pay(monkeypatch):
    calls = []
    monkeypatch.setattr(relu, "relu_numba", lambda *args: calls.append(args[0].size))
    with use_backend("numba"):
        relu_forward(np.ones(relu.MIN_SIZE - 1, np.float32))
        relu_forward(np.ones((2, relu.MIN_SIZE), np.float32)[:, ::2])        # not contiguous
        relu_forward(np.ones(relu.MIN_SIZE, np.float32))
    with use_backend("numpy"):
        relu_forward(np.ones(relu.MIN_SIZE, np.float32))
    assert calls == [relu.MIN_SIZE]


@pytest.mark.parametrize("backend", ["auto", "numba"])
def test_float16_runs_on_the_numpy_twins(backend):
    """numba has no float16: conv (im2col and Winograd), pooling, ReLU and Adam take the numpy twins for
    it, under any backend, and agree with float32 to float16's precision."""
    import tinynn as tn
    import tinynn.functional as F
    warmup.wait_for_numba()
    image = np.random.default_rng(0).random((2, 16, 8, 8)).astype(np.float16)     # the same numbers in both dtypes
    results = {}
    for dtype in (np.float16, np.float32):
        x = tn.Tensor(image.astype(dtype))
        params = [tn.Tensor(np.full(shape, 0.1, dtype), requires_grad=True) for shape in ((16, 16, 3, 3), (4, 16, 3, 3))]
        with use_backend(backend):
            h = F.relu(F.conv2d(x, params[0], padding=1))                  # C·O = 256: Winograd
            h = F.avg_pool2d(F.max_pool2d(F.conv2d(h, params[1]), 2), 1)  # im2col
            big = F.relu(tn.Tensor(np.linspace(-1, 1, relu.MIN_SIZE, dtype=dtype)))
            loss = h.sum() + big.sum()
            loss.backward()
            tn.optim.Adam(params, lr=0.01).step()
        results[dtype] = (loss.data, params[1].grad, params[0].data)
        assert all(a.dtype == dtype for a in results[dtype])
    for a, b in zip(results[np.float16], results[np.float32]):
        np.testing.assert_allclose(a.astype(np.float32), b, rtol=2e-2, atol=1e-2)


WINOGRAD_CASE = ((2, 16, 7, 6), (16, 16, 3, 3), (1, 1), (1, 1, 0, 1), (1, 1))     # C·O = 256: the Winograd path


@pytest.mark.parametrize("dtype", DTYPES)
def test_convolution_is_the_same_on_both_tiers(dtype):
    assert conv.uses_winograd(*WINOGRAD_CASE[1:3], WINOGRAD_CASE[4])
    for rng, x_shape, w_shape, stride, padding, dilation in [(np.random.default_rng(1), *WINOGRAD_CASE),
                                                             *conv_cases(12)]:
        x, w = values(rng, x_shape, dtype), values(rng, w_shape, dtype)
        y = {b: conv.conv2d_forward(x, w, stride, padding, dilation, backend=b) for b in ("numpy", "numba")}
        assert same_bits(y["numpy"], y["numba"])
        gy = values(rng, y["numpy"].shape, dtype)
        g = {b: conv.conv2d_backward(x, w, gy, stride, padding, dilation, backend=b) for b in ("numpy", "numba")}
        assert same_bits(g["numpy"][0], g["numba"][0]) and same_bits(g["numpy"][1], g["numba"][1])


def pool_cases(dtype, count=30):
    """Random pooling problems; windows overlap whenever stride < kernel. Padding ≤ kernel // 2 (PyTorch's rule)."""
    rng = np.random.default_rng(11)
    for case in range(count):
        kernel = tuple(int(k) for k in rng.integers(1, 5, 2))
        stride = tuple(int(s) for s in rng.integers(1, 4, 2))
        padding = tuple(int(rng.integers(0, kernel[a // 2] // 2 + 1)) for a in range(4))
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(kernel[0], 11)),
                 int(rng.integers(kernel[1], 11)))
        x = values(rng, shape, dtype)
        if case % 3 == 1:                   # special values: ties of -inf with the padding, NaN, signed zeros
            x.flat[rng.random(x.size) < 0.3] = -np.inf
            x.flat[rng.random(x.size) < 0.05] = np.nan
            x.flat[rng.random(x.size) < 0.2] = -0.0
        yield rng, x, kernel, stride, padding


@pytest.mark.parametrize("dtype", DTYPES)
def test_pooling_kernels_match_their_twins_bit_for_bit(dtype):
    for rng, x, kernel, stride, padding in pool_cases(dtype):
        (y, arg), (y_nb, arg_nb) = (pool.max_pool2d_forward(x, kernel, stride, padding, backend=b)
                                    for b in ("numpy", "numba"))
        assert same_bits(y, y_nb) and same_bits(arg, arg_nb)
        gy = values(rng, y.shape, dtype)
        assert same_bits(pool.max_pool2d_backward(gy, arg, x.shape, backend="numpy"),
                         pool.max_pool2d_backward(gy, arg, x.shape, backend="numba"))
        assert same_bits(*(pool.avg_pool2d_forward(x, kernel, stride, padding, backend=b) for b in ("numpy", "numba")))
        assert same_bits(*(pool.avg_pool2d_backward(gy, x.shape, kernel, stride, padding, backend=b)
                           for b in ("numpy", "numba")))


def test_a_window_of_minus_infinity_points_into_the_input_on_both_tiers():
    x = np.full((1, 1, 3, 3), -np.inf)
    for backend in ("numpy", "numba"):
        y, arg = pool.max_pool2d_forward(x, (2, 2), (2, 2), (1, 0, 1, 0), backend=backend)
        assert np.all(y == -np.inf) and arg.ravel().tolist() == [0, 1, 3, 4]      # first element inside x


def test_global_average_pool_adds_in_row_major_order():
    """Independent of both implementations: the window sum as a Python loop in row-major order."""
    x = values(np.random.default_rng(3), (2, 3, 5, 5), np.float32)
    expected = np.empty((2, 3), np.float32)
    for n, c in np.ndindex(2, 3):
        total = x[n, c, 0, 0]
        for value in x[n, c].ravel()[1:]:
            total = np.float32(total + value)
        expected[n, c] = total / np.float32(25)
    for backend in ("numpy", "numba"):
        assert same_bits(pool.avg_pool2d_forward(x, (5, 5), (5, 5), backend=backend)[:, :, 0, 0], expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_adam_update_matches_the_numpy_update_bit_for_bit(dtype):
    import tinynn as tn
    import tinynn.optim as optim
    from tinynn.kernels import use_backend
    rng = np.random.default_rng(5)
    start, grads = values(rng, (300,), dtype), [values(rng, (300,), dtype) for _ in range(4)]
    results = {}
    for backend in ("numpy", "numba"):
        p = tn.Tensor(start.copy(), requires_grad=True, dtype=dtype)
        opt = optim.Adam([p], lr=1e-2, weight_decay=0.1)
        with use_backend(backend):
            for g in grads:
                p.grad = g.copy()
                opt.step()
        results[backend] = (p.data, opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"])
    assert all(same_bits(a, b) for a, b in zip(results["numpy"], results["numba"]))


def test_warm_loads_every_signature_the_dispatch_uses():
    """After each module's warm(), running the kernels as the dispatch code does compiles nothing new, so
    the warm-up leaves no cache load (or compilation) for the first real call."""
    modules = [__import__(name, fromlist=["warm"]) for name in warmup.NUMBA_MODULES]
    for module in modules:
        module.warm()
    before = {k: len(k.signatures) for m in modules for k in m.NUMBA_KERNELS}
    rng = np.random.default_rng(0)
    for dtype in DTYPES:
        x, w = values(rng, (3, 2, 7, 6), dtype), values(rng, (4, 2, 3, 3), dtype)
        y = conv.conv2d_forward(x, w, (2, 1), (1, 0, 2, 1), (1, 2), backend="numba")
        conv.conv2d_backward(x, w, values(rng, y.shape, dtype), (2, 1), (1, 0, 2, 1), (1, 2), backend="numba")
        xw, ww = values(rng, WINOGRAD_CASE[0], dtype), values(rng, WINOGRAD_CASE[1], dtype)
        for bias in (None, values(rng, (16,), dtype)):
            y = conv.conv2d_forward(xw, ww, *WINOGRAD_CASE[2:], backend="numba", bias=bias)
        conv.conv2d_backward(xw, ww, values(rng, y.shape, dtype), *WINOGRAD_CASE[2:], backend="numba")
        for forward in ("numpy", "numba"):            # the tier may switch between forward and backward
            y, arg = pool.max_pool2d_forward(x, (2, 3), (1, 2), (1, 0, 1, 1), backend=forward)
            pool.max_pool2d_backward(values(rng, y.shape, dtype), arg, x.shape, backend="numba")
        with use_backend("numba"):
            big = values(rng, (relu.MIN_SIZE,), dtype)
            relu_backward(big, relu_forward(big)[1])
        y = pool.avg_pool2d_forward(x[:, :, ::2], (3, 2), (2, 1), (1, 1, 0, 1), backend="numba")
        pool.avg_pool2d_backward(values(rng, y.shape, dtype), x[:, :, ::2].shape, (3, 2), (2, 1), (1, 1, 0, 1),
                                 backend="numba")
    assert {k: len(k.signatures) for k in before} == before


# ---- the warm-up's state machine, on stand-in modules ---------------------------------------------
@pytest.fixture
def fake_module(monkeypatch):
    """Install a module `tinynn_fake_kernels` whose warm() runs `behaviour()`; returns a setter."""
    module = types.ModuleType("tinynn_fake_kernels")
    module.NUMBA_KERNELS = ()
    module.behaviour = lambda: None
    module.warm = lambda: module.behaviour()
    monkeypatch.setitem(sys.modules, "tinynn_fake_kernels", module)
    return module


def test_the_tier_switches_when_the_warm_up_is_done(fake_module):
    release = threading.Event()
    fake_module.behaviour = lambda: release.wait(10)
    tier = warmup.Warmup(["tinynn_fake_kernels"])
    assert tier.state == "cold"
    assert not tier.ready() and tier.state == "warming"           # the first question starts the thread
    assert not tier.wait(timeout=0.05) and not tier.ready()        # still warming: stay on numpy
    release.set()
    assert tier.wait(timeout=10) and tier.ready() and tier.state == "ready"


def test_a_cold_cache_ends_the_warm_up_after_the_first_compilation(fake_module, monkeypatch):
    """A module whose kernels had to be compiled (cache misses) is the last one warmed up; numba is ready."""
    warmed = []
    fake_module.behaviour = lambda: warmed.append(1)
    fake_module.NUMBA_KERNELS = (types.SimpleNamespace(stats=types.SimpleNamespace(cache_misses={"sig": 0})),)
    tier = warmup.Warmup(["tinynn_fake_kernels"] * 3)
    assert tier.wait(timeout=10) and warmed == [1, 1, 1]
    fake_module.NUMBA_KERNELS[0].stats.cache_misses["sig"] = 1
    warmed.clear()
    tier = warmup.Warmup(["tinynn_fake_kernels"] * 3)
    assert tier.wait(timeout=10) and warmed == [1]


def test_a_failing_warm_up_keeps_numpy_and_warns_once(fake_module):
    def broken():
        raise OSError("no kernels here")
    fake_module.behaviour = broken
    tier = warmup.Warmup(["tinynn_fake_kernels"])
    with pytest.warns(RuntimeWarning, match="no kernels here"):
        assert not tier.wait(timeout=10)
    assert tier.state == "failed"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not tier.ready() and not tier.wait(timeout=1)      # no second warning, no exception


def test_a_missing_module_is_a_failure_too():
    tier = warmup.Warmup(["tinynn_no_such_kernels"])
    with pytest.warns(RuntimeWarning, match="tinynn_no_such_kernels"):
        assert not tier.wait(timeout=10)


def test_disabled_jit_starts_no_thread(monkeypatch, fake_module):
    monkeypatch.setattr(warmup, "jit_disabled", lambda: True)
    threads = threading.active_count()
    tier = warmup.Warmup(["tinynn_fake_kernels"])
    assert not tier.ready() and tier.state == "disabled" and threading.active_count() == threads
    assert not tier.wait()


def test_jit_disabled_reads_numba_config_or_the_environment(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba.core.config", types.SimpleNamespace(DISABLE_JIT=1))
    assert warmup.jit_disabled()
    monkeypatch.delitem(sys.modules, "numba.core.config")
    for value, disabled in (("1", True), ("0", False), ("yes", False)):
        monkeypatch.setenv("NUMBA_DISABLE_JIT", value)
        assert warmup.jit_disabled() is disabled


def test_threads_asking_at_once_start_one_warm_up(fake_module):
    calls, release = [], threading.Event()
    fake_module.behaviour = lambda: (calls.append(1), release.wait(10))
    tier = warmup.Warmup(["tinynn_fake_kernels"])
    askers = [threading.Thread(target=tier.ready) for _ in range(8)]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    release.set()
    assert tier.wait(timeout=10) and len(calls) == 1


@pytest.mark.skipif(not hasattr(warmup.os, "fork"), reason="os.fork is POSIX only")
def test_fork_waits_for_the_current_step_and_the_child_warms_up_anew(fake_module):
    """A step that is half done in the parent must not be half done in the child: the fork waits."""
    import os
    import time
    steps, started = [], threading.Event()

    def step():
        steps.append("begin")
        started.set()
        time.sleep(0.3)
        steps.append("end")
    fake_module.behaviour = step
    tier = warmup.Warmup(["tinynn_fake_kernels"] * 2)
    tier.start()
    assert started.wait(10)
    pid = os.fork()
    if pid == 0:                                     # child: no thread; whole steps; can warm up
        # whole steps only (the fork waited for the one under way); a warm-up left unfinished starts anew
        ok = len(steps) % 2 == 0 and steps[-1] == "end" and tier.state in ("cold", "ready") and tier.wait(10)
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    if not done:
        os.kill(pid, 9)
    assert done and os.waitstatus_to_exitcode(status) == 0, "the child deadlocked or saw a half-done step"
    assert tier.wait(timeout=10) and steps == ["begin", "end"] * 2


def test_numba_kernel_stand_in_loads_its_module_on_first_call(fake_module):
    fake_module.double = lambda a: 2 * a
    double = warmup.numba_kernel("tinynn_fake_kernels", "double")
    assert double.__name__ == "double" and double(21) == 42
    fake_module.double = math.sqrt                         # looked up once: later calls run the same kernel
    assert double(4) == 8
