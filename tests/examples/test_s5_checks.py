"""The result checks of S5.2d and S5.3 assert the lesson: fed an untrained, mis-scaled or wrong result
they fail, fed a result that shows the lesson they pass. The checks are the scripts' own functions."""
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def scripts():
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield importlib.import_module("s5_phi4_cnn"), importlib.import_module("s5_amplitudes")
    finally:
        sys.path.remove(str(EXAMPLES))


KAPPAS = 0.24 + 0.0025 * np.arange(24)
REFS = {"steepest rise": (0.26875, 0.001), "peak of χ": (0.2675, 0.0026)}


def step_curve(center, width=0.003):
    return 1 / (1 + np.exp(-(KAPPAS - center) / width))


def test_phase_check_passes_for_a_trained_classifier(scripts):
    phi4, _ = scripts
    curve = step_curve(0.270)
    k_star = phi4.crossing(KAPPAS, curve)
    passed, pulls, sentence = phi4.phase_check(KAPPAS, curve, k_star, 0.003, REFS)
    assert passed and "agree" in sentence and all(p < 2 for p in pulls.values())


def test_phase_check_fails_for_an_untrained_classifier(scripts):
    phi4, _ = scripts
    rng = np.random.default_rng(0)
    curve = 0.5 + 0.02 * rng.standard_normal(len(KAPPAS))      # an untrained net: P ≈ ½ everywhere
    k_star = phi4.crossing(KAPPAS, curve)
    assert not phi4.phase_check(KAPPAS, curve, k_star, 0.003, REFS)[0]
    flipped = 1 - step_curve(0.270)                           # labels swapped: P falls with κ
    assert not phi4.phase_check(KAPPAS, flipped, phi4.crossing(KAPPAS, flipped), 0.003, REFS)[0]
    saturated = np.full(len(KAPPAS), 0.999)                   # mis-scaled input: "broken" everywhere
    assert not phi4.phase_check(KAPPAS, saturated, phi4.crossing(KAPPAS, saturated), 0.003, REFS)[0]


def test_phase_check_fails_when_kappa_star_is_off_or_unlocated(scripts):
    phi4, _ = scripts
    late = step_curve(0.285)                                  # separates the phases, but κ* far from the magnetisation
    passed, pulls, sentence = phi4.phase_check(KAPPAS, late, phi4.crossing(KAPPAS, late), 0.003, REFS)
    assert not passed and "do not agree" in sentence
    curve = step_curve(0.270)                                 # an uncertainty so large that anything would agree
    assert not phi4.phase_check(KAPPAS, curve, phi4.crossing(KAPPAS, curve), 0.02, REFS)[0]


def test_total_uncertainty_adds_in_quadrature(scripts):
    phi4, _ = scripts
    assert phi4.total_uncertainty({"a": 3e-3, "b": 4e-3}) == pytest.approx(5e-3)


def test_crossing_interpolates(scripts):
    phi4, _ = scripts
    assert phi4.crossing(np.array([0.0, 1.0]), np.array([0.2, 0.6])) == pytest.approx(0.75)
    assert np.isnan(phi4.crossing(np.array([0.0, 1.0]), np.array([0.6, 0.9])))


def synthetic_ensemble(rng, n_nets=10, n=4000, shared=0.03, own=0.12):
    """Truth log A, and n_nets predictions erring by a shared part and an own part per net."""
    truth = rng.normal(-5, 1.25, n)
    common = shared * rng.standard_normal(n)
    preds = truth + common + own * rng.standard_normal((n_nets, n))
    return truth, preds


def ensemble_numbers(amps, truth, preds):
    mu, sigma = preds.mean(0), preds.std(0, ddof=1)
    rms_single = float(np.mean([amps.rms(p - truth) for p in preds]))
    return (amps.rms(mu - truth), rms_single, amps.rms(truth - truth.mean()),
            amps.coverage(preds - truth, sigma)[0])


def test_ensemble_check_passes_for_trained_independent_nets(scripts):
    _, amps = scripts
    truth, preds = synthetic_ensemble(np.random.default_rng(1))
    assert amps.ensemble_check(*ensemble_numbers(amps, truth, preds))


def test_ensemble_check_fails_for_untrained_or_identical_nets(scripts):
    _, amps = scripts
    rng = np.random.default_rng(2)
    truth = rng.normal(-5, 1.25, 4000)
    untrained = truth.mean() + 0.05 * rng.standard_normal((10, 4000))   # near the mean predictor
    assert not amps.ensemble_check(*ensemble_numbers(amps, truth, untrained))
    _, one = synthetic_ensemble(rng, n_nets=1)
    identical = np.repeat(one, 10, axis=0) + 1e-4 * rng.standard_normal((10, 4000))  # no diversity: σ ≈ 0
    assert not amps.ensemble_check(*ensemble_numbers(amps, truth, identical))
    truth, preds = synthetic_ensemble(rng)
    rms_mean, rms_single, base, _ = ensemble_numbers(amps, truth, preds)
    sigma = 10 * preds.std(0, ddof=1)                                       # a mis-scaled σ
    assert not amps.ensemble_check(rms_mean, rms_single, base, amps.coverage(preds - truth, sigma)[0])


def test_bnn_check(scripts):
    _, amps = scripts
    rng = np.random.default_rng(3)
    truth = rng.normal(-5, 1.25, 4000)
    base = amps.rms(truth - truth.mean())
    err = 0.08 * rng.standard_normal(4000)
    good_sigma = np.full(4000, 0.08)
    args = dict(rms_bnn=amps.rms(err), rms_ens=0.067, rms_baseline=base)
    assert amps.bnn_check(**args, cov_total=amps.coverage(err, good_sigma)[0])
    assert not amps.bnn_check(**args, cov_total=amps.coverage(err, good_sigma / 10)[0])   # over-confident
    assert not amps.bnn_check(**args, cov_total=amps.coverage(err, good_sigma * 10)[0])   # far too wide
    weak = 0.143 * rng.standard_normal(4000)                    # the old BNN: twice the ensemble's error
    assert not amps.bnn_check(amps.rms(weak), 0.067, base, amps.coverage(weak, np.full(4000, 0.143))[0])
    untrained = truth.mean() - truth
    assert not amps.bnn_check(amps.rms(untrained), 0.067, base, amps.coverage(untrained, np.full(4000, base))[0],
                              factor=100)
