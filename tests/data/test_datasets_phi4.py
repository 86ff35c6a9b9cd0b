"""phi^4 HMC: kernels against their numpy twins and finite differences, exact reversibility and
O(dt^2) energy conservation of the leapfrog integrator, determinism, and agreement of a short run
with the shipped lattices."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinynn.datasets import phi4
from tinynn.datasets.loaders import load_phi4_lattices

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("TINYNN_DATA") or REPO.parent / "shared" / "data").resolve()
KAPPA, LAM = 0.27, 0.02


def field(shape, scale=0.7, seed=0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


def test_kernels_match_numpy_twins():
    phi = field((3, 6, 5))  # non-square: catches swapped axes
    np.testing.assert_allclose(phi4.phi4_action(phi, KAPPA, LAM), phi4.phi4_action_numpy(phi, KAPPA, LAM),
                               rtol=1e-13)
    np.testing.assert_allclose(phi4.phi4_force(phi, KAPPA, LAM), phi4.phi4_force_numpy(phi, KAPPA, LAM),
                               rtol=1e-13, atol=1e-14)


def test_action_by_hand_for_a_constant_field():
    # phi = c everywhere on V sites: each site has 2 forward bonds, S = V (-4 kappa c^2 + (1-2lam) c^2 + lam c^4)
    c, V = 1.3, 16
    expected = V * (-4 * KAPPA * c**2 + (1 - 2 * LAM) * c**2 + LAM * c**4)
    assert phi4.phi4_action(np.full((1, 4, 4), c), KAPPA, LAM)[0] == pytest.approx(expected, rel=1e-14)


def test_force_is_the_gradient_of_the_action():
    phi = field((1, 5, 5), seed=1)
    force = phi4.phi4_force(phi, KAPPA, LAM)
    h = 1e-6
    for site in [(0, 0, 0), (0, 4, 4), (0, 2, 3), (0, 0, 4)]:
        up, down = phi.copy(), phi.copy()
        up[site] += h
        down[site] -= h
        fd = (phi4.phi4_action(up, KAPPA, LAM)[0] - phi4.phi4_action(down, KAPPA, LAM)[0]) / (2 * h)
        assert force[site] == pytest.approx(fd, rel=1e-7, abs=1e-9)


def test_leapfrog_is_exactly_reversible():
    phi0, pi0 = field((4, 8, 8), seed=2), field((4, 8, 8), scale=1.0, seed=3)
    phi, pi = phi0.copy(), pi0.copy()
    phi4.leapfrog(phi, pi, KAPPA, LAM, 0.05, 40)
    assert np.abs(phi - phi0).max() > 0.1  # it really moved
    pi *= -1
    phi4.leapfrog(phi, pi, KAPPA, LAM, 0.05, 40)
    np.testing.assert_allclose(phi, phi0, atol=1e-11)
    np.testing.assert_allclose(-pi, pi0, atol=1e-11)


def test_energy_violation_shrinks_like_dt_squared():
    phi0, pi0 = field((8, 8, 8), seed=4), field((8, 8, 8), scale=1.0, seed=5)
    h0 = phi4.hamiltonian(phi0, pi0, KAPPA, LAM)
    errors = []
    for dt in (0.1, 0.05, 0.025, 0.0125):
        phi, pi = phi0.copy(), pi0.copy()
        phi4.leapfrog(phi, pi, KAPPA, LAM, dt, int(round(1.0 / dt)))  # same trajectory length 1
        errors.append(np.abs(phi4.hamiltonian(phi, pi, KAPPA, LAM) - h0).mean())
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 3.5) & (ratios < 4.5)), ratios
    assert errors[-1] < 1e-3 * np.abs(h0).mean()


def test_hmc_is_deterministic_per_seed_and_reports_acceptance():
    a = phi4.hmc_phi4(0.28, n_chains=6, L=6, n_traj=20, seed=11)
    b = phi4.hmc_phi4(0.28, n_chains=6, L=6, n_traj=20, seed=11)
    c = phi4.hmc_phi4(0.28, n_chains=6, L=6, n_traj=20, seed=12)
    np.testing.assert_array_equal(a.phi, b.phi)
    assert np.abs(a.phi - c.phi).max() > 0.1
    assert a.phi.shape == (6, 6, 6) and a.phi.dtype == np.float64
    assert 0.8 < a.acceptance <= 1.0 and a.magnetisation_history.shape == (20, 6)
    tiny = phi4.hmc_phi4(0.28, n_chains=6, L=6, n_traj=5, dt=0.001, n_steps=10, seed=1)
    assert tiny.acceptance == 1.0
    with pytest.raises(ValueError, match="n_chains"):
        phi4.hmc_phi4(0.28, n_chains=0)


def test_generate_lattices_shape_like_the_shipped_files():
    lattices, acceptance = phi4.generate_phi4_lattices([0.24, 0.30], 3, L=4, n_traj=5)
    assert lattices.shape == (2, 3, 4, 4) and lattices.dtype == np.float32 and acceptance.shape == (2,)


def test_magnetisation_helpers():
    phi = np.stack([np.full((2, 4, 4), -1.5), np.full((2, 4, 4), 0.5)])
    np.testing.assert_allclose(phi4.magnetisation(phi), [[1.5, 1.5], [0.5, 0.5]])
    np.testing.assert_allclose(phi4.magnetisation(phi, absolute=False)[0], [-1.5, -1.5])
    mean, err = phi4.mean_abs_magnetisation(phi)
    np.testing.assert_allclose(mean, [1.5, 0.5])
    np.testing.assert_allclose(err, 0)
    with pytest.raises(ValueError, match="shape"):
        phi4.magnetisation(np.ones(3))


@pytest.mark.parametrize("index, kappa", [(0, 0.24), (1, 0.30)])
def test_short_run_agrees_with_the_shipped_lattices(index, kappa):
    shipped = phi4.magnetisation(load_phi4_lattices(path=DATA / "mlph2023/data05").train[index])
    run = phi4.hmc_phi4(kappa, n_chains=64, n_traj=300, seed=0)
    m = phi4.magnetisation(run.phi)
    sigma = np.hypot(m.std(ddof=1) / np.sqrt(m.size), shipped.std(ddof=1) / np.sqrt(shipped.size))
    assert abs(m.mean() - shipped.mean()) < 4 * sigma, (m.mean(), shipped.mean(), sigma)


def test_simulators_run_without_jit_and_give_the_same_numbers(tmp_path):
    code = ("import numpy as np; from tinynn.datasets import phi4, amplitudes as a;"
            "r = phi4.hmc_phi4(0.27, n_chains=2, L=4, n_traj=3, seed=5);"
            "u = np.random.default_rng(0).random((3, 3, 4));"
            "np.save('out.npy', np.concatenate([r.phi.ravel(), a.rambo(u, 100.0).ravel()]))")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    run = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    from tinynn.datasets import amplitudes
    jit = np.concatenate([phi4.hmc_phi4(0.27, n_chains=2, L=4, n_traj=3, seed=5).phi.ravel(),
                          amplitudes.rambo(np.random.default_rng(0).random((3, 3, 4)), 100.0).ravel()])
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), jit, rtol=1e-12, atol=1e-12)
