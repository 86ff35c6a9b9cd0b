"""The examples' checks assert the lesson: fed an untrained, a mis-scaled or a lesson-less result they
fail, fed a result that shows the lesson they pass. Each check is the function its script uses."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))            # the scripts import _common
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- R1.2: Z → ee mass regression ------------------------------------------------------------

@pytest.fixture(scope="module")
def zee():
    rng = np.random.default_rng(0)
    truth = 91 + 10 * rng.standard_t(3, size=100)    # a peak with tails, σ ≈ 12 GeV like the held-out events
    return load("r1_zee"), truth, float(truth.mean() + 0.3), rng


def test_zee_check_passes_a_net_that_learned_the_formula(zee):
    r1_zee, truth, mean, rng = zee
    good = truth + rng.normal(0, 1.5, truth.shape)
    normalised = truth + rng.normal(0, 5, truth.shape)
    for quick in (True, False):
        assert r1_zee.check_lesson(truth, mean, None, normalised, good, quick)


def test_zee_check_fails_untrained_and_misscaled(zee):
    r1_zee, truth, mean, rng = zee
    r1_zee.tn.manual_seed(0)
    with r1_zee.tn.no_grad():                                    # an untrained net on standardised inputs
        untrained = r1_zee.make_net(3)(r1_zee.tn.tensor(rng.normal(size=(len(truth), 3)).astype(np.float32)))
    untrained = untrained.numpy()[:, 0]
    normalised = truth + rng.normal(0, 5, truth.shape)
    good = truth + rng.normal(0, 1.5, truth.shape)
    for quick in (True, False):
        assert not r1_zee.check_lesson(truth, mean, None, normalised, untrained * 100, quick)   # untrained net
        assert not r1_zee.check_lesson(truth, mean, None, normalised, good / 100, quick)        # unit not undone
        assert not r1_zee.check_lesson(truth, mean, None, normalised, np.full_like(truth, mean), quick)  # the mean
        assert not r1_zee.check_lesson(truth, mean, None, np.full_like(truth, mean), good, quick)
        assert not r1_zee.check_lesson(truth, mean, good, normalised, good, quick)  # raw GeV cannot learn this well
        assert not r1_zee.check_lesson(truth, mean, None, None, good, quick)        # a diverged run is no result
    mediocre = truth + rng.normal(0, 3.5, truth.shape)                               # ≈ 30 % of the mean's error
    assert r1_zee.check_lesson(truth, mean, None, normalised, mediocre, True)
    assert not r1_zee.check_lesson(truth, mean, None, normalised, mediocre, False)


def test_zee_which_mattered_is_computed():
    r1_zee = load("r1_zee")
    errors = {"(d) a": 6.9, "(d) b": 11.0, "(e) x in GeV": np.inf, "(e) y in 100 GeV": 11.4, "(e) z": 1.9}
    assert "normalising the input mattered more" in r1_zee.which_mattered(errors)
    errors["(e) x in GeV"] = 4.0
    assert "feature engineering mattered more" in r1_zee.which_mattered(errors)


# ---- H4: MNIST CNN ------------------------------------------------------------------------------

def test_mnist_check_fails_untrained_and_baseline_like_models():
    h_mnist = load("h_mnist")
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(200, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, size=200)
    h_mnist.tn.manual_seed(0)
    untrained_acc = float(np.mean(h_mnist.probabilities(h_mnist.mnist_cnn(), images).argmax(1) == labels))
    baseline = 0.82                                             # nearest centroid on MNIST
    for required in (0.90, 0.95, 0.97, 0.98):
        assert not h_mnist.check_accuracy(untrained_acc, baseline, required)
        assert not h_mnist.check_accuracy(baseline, baseline, required)       # no better than the centroids
        assert h_mnist.check_accuracy(0.985, baseline, required)
    assert not h_mnist.check_accuracy(0.96, baseline, 0.98)                  # quick-mode level is not full mode
    assert not h_mnist.check_accuracy(0.95, 0.92, 0.90)                      # must halve the baseline's errors


def test_mnist_nearest_centroid_baseline():
    h_mnist = load("h_mnist")
    rng = np.random.default_rng(1)
    centres = rng.integers(0, 256, size=(10, 28, 28))
    y = np.repeat(np.arange(10), 20)
    x = np.clip(centres[y] + rng.normal(0, 20, (200, 28, 28)), 0, 255).astype(np.uint8)
    assert h_mnist.nearest_centroid_accuracy(x, y, x, y) == 1.0
    assert h_mnist.nearest_centroid_accuracy(x, y, x, (y + 1) % 10) == 0.0


# ---- R1.1e: three charge classes -------------------------------------------------------------

def test_three_classes_check():
    r1_charges = load("r1_charges")
    X, y = r1_charges.charges_grid(5, n_classes=3)
    assert r1_charges.check_three_classes(y, y)
    never_neutral = np.where(X[:, 0] * X[:, 1] < 0, 0, 2)        # the two-class answer: the cross is lost
    assert np.mean(never_neutral == y) > 0.8                       # a high accuracy all the same
    assert not r1_charges.check_three_classes(never_neutral, y)
    assert not r1_charges.check_three_classes(np.full_like(y, np.bincount(y).argmax()), y)   # majority class
    r1_charges.tn.manual_seed(0)
    with r1_charges.tn.no_grad():
        untrained = r1_charges.make_net(3)(r1_charges.tn.tensor(X.astype(np.float32))).numpy().argmax(1)
    assert not r1_charges.check_three_classes(untrained, y)


def test_learning_rate_check():
    r1_charges = load("r1_charges")
    always_0 = 71 / 121
    assert r1_charges.check_learning_rates(0.62, 0.98, 0.18, always_0)
    assert not r1_charges.check_learning_rates(0.62, 0.63, 0.18, always_0)   # lr 1e-2 did not learn either
    assert not r1_charges.check_learning_rates(0.95, 0.98, 0.9, always_0)    # lr 1e-4 learned: no lesson
