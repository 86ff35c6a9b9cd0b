"""The fused (numba) optimiser updates compute what the numpy twins compute, for every option."""
import itertools

import numpy as np
import pytest

import tinynn as tn
import tinynn.optim as optim
from tinynn.kernels import use_backend

OPTIONS = [dict(weight_decay=wd, amsgrad=ams, maximize=mx)
           for wd, ams, mx in itertools.product([0.0, 0.1], [False, True], [False, True])]


def trajectory(cls, backend, options, dtype, steps=5):
    rng = np.random.default_rng(1)
    p = tn.Tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    opt = cls([p], lr=0.05, **options)
    path = []
    with use_backend(backend):
        for _ in range(steps):
            p.grad = (p.data ** 3 - 0.5 * p.data).astype(dtype)     # a fixed non-linear gradient field
            opt.step()
            path.append(p.data.copy())
    return np.array(path), opt.state_dict()["state"][0]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
def test_fused_adam_matches_the_numpy_twin(cls, options):
    fused, fused_state = trajectory(cls, "numba", options, np.float64)
    twin, twin_state = trajectory(cls, "numpy", options, np.float64)
    np.testing.assert_allclose(fused, twin, rtol=1e-13, atol=1e-15)
    for key in twin_state:
        np.testing.assert_allclose(fused_state[key], twin_state[key], rtol=1e-13, atol=1e-15)


def test_fused_adam_keeps_float32_and_agrees_to_float32_precision():
    fused, _ = trajectory(optim.Adam, "numba", {}, np.float32)
    twin, _ = trajectory(optim.Adam, "numpy", {}, np.float32)
    assert fused.dtype == np.float32
    np.testing.assert_allclose(fused, twin, rtol=1e-5, atol=1e-6)


def test_non_contiguous_parameter_falls_back_to_numpy():
    base = np.arange(12.0).reshape(3, 4)
    p = tn.Tensor(base.T, requires_grad=True)       # a transposed view: not C-contiguous
    p.grad = np.ones((4, 3))
    expected = base.T - 0.1                         # the first Adam step moves each θ by lr·sign(g)
    optim.Adam([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, expected, rtol=1e-7)
    assert np.shares_memory(p.data, base)           # updated in place, the view kept


def test_optimizer_with_fused_state_deepcopies_and_pickles():
    import copy
    import pickle
    p = tn.ones(3, requires_grad=True)
    p.grad = np.ones(3, np.float32)
    opt = optim.Adam([p])
    opt.step()
    clone = copy.deepcopy(opt)
    assert pickle.loads(pickle.dumps(opt)).state_dict()["state"][0]["step"] == 1
    np.testing.assert_array_equal(clone.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])


@pytest.mark.parametrize("backend, expected", [("numba", 2), ("numpy", 0)])
def test_the_fused_kernel_runs_exactly_on_the_numba_backend(backend, expected, monkeypatch):
    """Without this the twin comparisons above would also pass if dispatch never reached the kernel."""
    import tinynn.kernels.adam as fused
    calls = []
    kernel = fused.adam_update_numba
    monkeypatch.setattr(fused, "adam_update_numba", lambda *args: (calls.append(1), kernel(*args)))
    p = tn.Tensor(np.ones((2, 3)), requires_grad=True)
    opt = optim.Adam([p])
    with use_backend(backend):
        for _ in range(2):
            p.grad = np.ones((2, 3))
            opt.step()
    assert len(calls) == expected
