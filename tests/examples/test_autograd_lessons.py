"""The checks of the examples that use second derivatives (S5.1b-errors, P2b, X1) fail when the lesson
does not hold: fed the numbers a wrong Hessian, a detached double backward or an untrained network gives."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
p_autodiff = pytest.importorskip("p_autodiff")
s5 = pytest.importorskip("s5_likelihood_ratio")
x1 = pytest.importorskip("x1_oscillator_pinn")


def test_hesse_check_fails_for_the_mean_nll_hessian():
    err_boot = np.array([0.0064, 0.016, 0.0155, 0.0112, 0.0109])          # S5.1b quick mode, seed 0
    err_hesse = np.array([0.0075, 0.0159, 0.0154, 0.0123, 0.0120])
    assert s5.errors_agree(err_hesse, err_boot, 60)[0]
    n = 5000                                                                 # the Hessian of the mean NLL is H/n
    assert not s5.errors_agree(err_hesse * np.sqrt(n), err_boot, 60)[0]
    assert not s5.errors_agree(err_hesse * 1.5, err_boot, 60)[0]           # errors 50 % off


def test_second_derivative_check_fails_for_a_detached_double_backward():
    good = dict(best_eps=2.2e-4, predicted_eps=3.4e-4, err_autodiff=3.6e-16, best_fd64=3.6e-8, best_fd32=5.3e-4)
    assert p_autodiff.second_derivative_lesson(**good)
    assert not p_autodiff.second_derivative_lesson(**{**good, "err_autodiff": 1.0})      # f'' = 0
    assert not p_autodiff.second_derivative_lesson(**{**good, "err_autodiff": 2e-9})     # a finite difference
    assert not p_autodiff.second_derivative_lesson(**{**good, "best_eps": 1e-8})         # round-off ignored


def test_pinn_check_fails_for_an_untrained_or_physics_free_network():
    scale = 0.376
    assert x1.lesson(6.9e-4, 0.58, scale, 4e-8, 6e-3, quick=True)
    assert not x1.lesson(0.5, 0.58, scale, 4e-8, 0.9, quick=True)            # untrained
    assert not x1.lesson(0.58, 0.58, scale, 4e-8, 0.9, quick=True)           # initial conditions only
    assert x1.lesson(5e-3, 0.58, scale, 4e-8, 6e-3, quick=True)
    assert not x1.lesson(5e-3, 0.58, scale, 4e-8, 6e-3, quick=False)         # enough for quick, not for full
