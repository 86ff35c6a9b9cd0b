"""nn.init: PyTorch's gains, fans and bounds, checked statistically; seeding."""
import math

import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn


def big(*shape):
    return tn.zeros(*shape, dtype=np.float64)


def test_gains_are_pytorchs():
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("sigmoid") == 1 and nn.init.calculate_gain("conv2d") == 1
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


def test_fans_for_dense_and_conv_weights():
    assert nn.init.calculate_fan_in_and_fan_out(big(16, 3)) == (3, 16)
    assert nn.init.calculate_fan_in_and_fan_out(big(8, 1, 3, 3)) == (9, 72)
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        nn.init.xavier_uniform_(big(5))


@pytest.mark.parametrize("fn, kwargs, fan, uniform, std", [
    (nn.init.xavier_uniform_, {}, None, True, lambda fi, fo: math.sqrt(2 / (fi + fo))),
    (nn.init.glorot_normal_, {"gain": 2.0}, None, False, lambda fi, fo: 2 * math.sqrt(2 / (fi + fo))),
    (nn.init.kaiming_uniform_, {"nonlinearity": "relu"}, "in", True, lambda fi, fo: math.sqrt(2 / fi)),
    (nn.init.he_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, "out", False, lambda fi, fo: math.sqrt(2 / fo)),
    (nn.init.kaiming_normal_, {"a": 0.1}, "in", False, lambda fi, fo: math.sqrt(2 / 1.01 / fi)),
])
def test_initialiser_scales(fn, kwargs, fan, uniform, std):
    w = big(300, 20, 3, 3)                                    # conv-shaped: fan_in 180, fan_out 2700
    fn(w, generator=np.random.default_rng(0), **kwargs)
    expected = std(180, 2700)
    assert w.data.std() == pytest.approx(expected, rel=0.01)
    assert abs(w.data.mean()) < 0.01 * expected
    if uniform:
        assert np.abs(w.data).max() <= math.sqrt(3) * expected
        assert np.abs(w.data).max() > 0.999 * math.sqrt(3) * expected


def test_simple_fills_and_seeding():
    w = big(2, 3)
    assert nn.init.constant_(w, 0.25) is w and np.all(w.data == 0.25)
    assert np.all(nn.init.ones_(w).data == 1) and np.all(nn.init.zeros_(w).data == 0)
    u = nn.init.uniform_(big(1000), -2, 3, generator=np.random.default_rng(1)).data
    assert u.min() >= -2 and u.max() < 3 and u.mean() == pytest.approx(0.5, abs=0.1)
    n = nn.init.normal_(big(4000), 1.0, 0.5, generator=np.random.default_rng(1)).data
    assert n.mean() == pytest.approx(1.0, abs=0.03) and n.std() == pytest.approx(0.5, rel=0.05)
    tn.manual_seed(7)
    a = nn.init.normal_(big(3)).data.copy()
    tn.manual_seed(7)
    np.testing.assert_array_equal(a, nn.init.normal_(big(3)).data)
