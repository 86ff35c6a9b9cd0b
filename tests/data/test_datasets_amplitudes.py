"""Amplitude-regression events: RAMBO phase space (conservation, masslessness, flatness), the cuts,
and the q qbar -> gamma gamma g matrix element (a value by hand, Lorentz invariance, permutation
symmetries, soft-gluon factorisation)."""
import itertools

import numpy as np
import pytest

from tinynn.datasets import amplitudes as amp


@pytest.fixture(scope="module")
def events():
    return amp.generate_amplitude_events(2000, seed=3)


def test_events_conserve_momentum_and_are_massless(events):
    p, a = events
    assert p.shape == (2000, 5, 4) and a.shape == (2000,) and p.dtype == a.dtype == np.float64
    scale = p[..., 0].max()
    assert np.abs(p[:, 0] + p[:, 1] - p[:, 2:].sum(axis=1)).max() < 1e-12 * scale
    assert np.abs(amp.minkowski_dot(p, p)).max() < 1e-12 * scale**2
    assert np.all(p[..., 0] > 0) and np.all(a > 0) and np.all(np.isfinite(a))


def test_partons_along_the_beam_with_fixed_energy_and_bounded_boost(events):
    p, _ = events
    assert np.all(p[:, :2, 1:3] == 0) and np.all(p[:, 0, 3] > 0) and np.all(p[:, 1, 3] < 0)
    total = p[:, 0] + p[:, 1]
    np.testing.assert_allclose(np.sqrt(amp.minkowski_dot(total, total)), 1000.0, rtol=1e-12)
    y = 0.5 * np.log((total[:, 0] + total[:, 3]) / (total[:, 0] - total[:, 3]))
    assert np.abs(y).max() <= 1.0 and y.std() > 0.3


def test_every_event_passes_the_cuts(events):
    k = events[0][:, 2:]
    pt = np.sqrt(k[..., 1] ** 2 + k[..., 2] ** 2)
    eta = -np.log(np.tan(np.arctan2(pt, k[..., 3]) / 2))
    phi = np.arctan2(k[..., 2], k[..., 1])
    assert pt.min() > 20 and np.abs(eta).max() < 2.5
    for i, j in itertools.combinations(range(3), 2):
        dphi = (phi[:, i] - phi[:, j] + np.pi) % (2 * np.pi) - np.pi
        assert np.sqrt((eta[:, i] - eta[:, j]) ** 2 + dphi**2).min() > 0.4


def test_rambo_is_flat_three_body_phase_space():
    # flat massless 3-body phase space is uniform in the Dalitz plot, so x = 2E/W has density 2x:
    # mean 2/3, variance 1/18; directions are isotropic: <cos> = 0, <cos^2> = 1/3.
    n = 20_000
    p = amp.rambo(np.random.default_rng(7).random((n, 3, 4)), 1.0)
    np.testing.assert_allclose(p.sum(axis=1), np.tile([1.0, 0, 0, 0], (n, 1)), atol=1e-13)
    x = 2 * p[:, :, 0].ravel()
    assert abs(x.mean() - 2 / 3) < 5 * np.sqrt(1 / 18 / n) and abs(x.var() - 1 / 18) < 0.003
    cos = p[:, 0, 3] / p[:, 0, 0]
    assert abs(cos.mean()) < 5 * np.sqrt(1 / 3 / n) and abs((cos**2).mean() - 1 / 3) < 5 * np.sqrt(4 / 45 / n)


def test_squared_amplitude_by_hand_for_the_mercedes_configuration():
    # bosons of energy W/3 at 120 degrees in the transverse plane: a_i = b_i = W^2/6, so
    # |M|^2 = s * 3 a^2 (2 a^2) / a^6 = 6 s / a^2 = 216 / W^2
    W = 1000.0
    angles = np.array([0, 2 * np.pi / 3, 4 * np.pi / 3])
    k = W / 3 * np.stack([np.ones(3), np.cos(angles), np.sin(angles), np.zeros(3)], axis=1)
    p = np.concatenate([W / 2 * np.array([[1, 0, 0, 1], [1, 0, 0, -1.0]]), k])[None]
    assert amp.squared_amplitude(p)[0] == pytest.approx(216 / W**2, rel=1e-13)


def test_lorentz_invariance_under_a_general_boost(events):
    p, a = events
    boosted = amp.boost(p[:200], [0.3, -0.5, 0.6])
    assert np.abs(boosted[:, 0] + boosted[:, 1] - boosted[:, 2:].sum(axis=1)).max() < 1e-9
    assert np.abs(boosted - p[:200]).max() > 100  # the boost is not a no-op
    np.testing.assert_allclose(amp.squared_amplitude(boosted), a[:200], rtol=1e-9)
    with pytest.raises(ValueError, match="beta"):
        amp.boost(p, [0.8, 0.7, 0.0])


def test_symmetric_under_boson_permutations_and_parton_swap(events):
    p, a = events
    for perm in itertools.permutations([2, 3, 4]):
        np.testing.assert_allclose(amp.squared_amplitude(p[:, [0, 1, *perm]]), a, rtol=1e-12)
    np.testing.assert_allclose(amp.squared_amplitude(p[:, [1, 0, 2, 3, 4]]), a, rtol=1e-12)


def soft_gluon_event(eps, n_hat, m_hat, W=500.0):
    """Exact 2 -> 3 kinematics with a gluon of energy eps W/2 along n_hat; the photons are
    back to back along +-m_hat in the rest frame of what remains."""
    p1, p2 = W / 2 * np.array([1, 0, 0, 1.0]), W / 2 * np.array([1, 0, 0, -1.0])
    k3 = eps * W / 2 * np.concatenate([[1.0], n_hat])
    rest = p1 + p2 - k3
    mass = np.sqrt(amp.minkowski_dot(rest, rest))
    pair = mass / 2 * np.array([np.concatenate([[1.0], m_hat]), np.concatenate([[1.0], -m_hat])])
    k1, k2 = amp.boost(pair, rest[1:] / rest[0])
    return np.stack([p1, p2, k1, k2, k3])[None]


def test_soft_gluon_limit_factorises_into_eikonal_times_two_to_two():
    # k3 -> 0: |M|^2 -> s / (a3 b3) * [2 -> 2 form (a1^2 + a2^2) / (a1 a2)] * 2 (the 2 comes from
    # the b_1 = a_2, b_2 = a_1 of 2 -> 2 kinematics); the correction is O(eps)
    rng = np.random.default_rng(0)
    for _ in range(3):
        n_hat, m_hat = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 3)))
        deviation = []
        for eps in (1e-2, 1e-3, 1e-4):
            p = soft_gluon_event(eps, n_hat, m_hat)[0]
            assert np.abs(p[0] + p[1] - p[2:].sum(axis=0)).max() < 1e-10
            a1, a2, a3 = (amp.minkowski_dot(p[0], p[i]) for i in (2, 3, 4))
            b3 = amp.minkowski_dot(p[1], p[4])
            s = 2 * amp.minkowski_dot(p[0], p[1])
            factorised = s / (a3 * b3) * (a1**2 + a2**2) / (a1 * a2)
            deviation.append(abs(amp.squared_amplitude(p[None])[0] / factorised - 2))
        assert deviation[-1] < 1e-3
        assert 5 < deviation[0] / deviation[1] < 20 and 5 < deviation[1] / deviation[2] < 20


def test_deterministic_per_seed_and_splits_like_the_original():
    a = amp.generate_amplitude_events(50, seed=1)
    b = amp.generate_amplitude_events(50, seed=1)
    c = amp.generate_amplitude_events(50, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert np.abs(a[0] - c[0]).max() > 1
    splits = amp.amplitude_splits(40, 30, 20, seed=4)
    whole = amp.generate_amplitude_events(90, seed=4)
    assert [len(splits[k][0]) for k in ("train", "val", "test")] == [40, 30, 20]
    np.testing.assert_array_equal(np.concatenate([splits[k][1] for k in ("train", "val", "test")]), whole[1])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\(N, 5, 4\)"):
        amp.squared_amplitude(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="passes the cuts"):
        amp.generate_amplitude_events(10, sqrt_s=30.0)
