"""phi^4 theory on a periodic L x L lattice, sampled with Hybrid (Hamiltonian) Monte Carlo.

Action (MLPH sheet 5, eq. 3), hopping parameter kappa, quartic coupling lambda:
    S[phi] = sum_x [ -2 kappa sum_mu phi(x) phi(x + mu) + (1 - 2 lambda) phi(x)^2 + lambda phi(x)^4 ]
Force (the gradient HMC needs), with the four neighbours of x:
    dS/dphi(x) = -2 kappa sum_{+-mu} phi(x +- mu) + 2 (1 - 2 lambda) phi(x) + 4 lambda phi(x)^3
HMC: draw momenta pi ~ N(0, 1), integrate H = pi^2 / 2 + S with the leapfrog scheme (time-reversible
and volume-preserving, so the Metropolis step with exp(-dH) is exact), accept or keep the old field.

All random numbers come from ``numpy.random.default_rng(seed)`` in Python; the numba kernels are
deterministic functions of their inputs. So a seed gives the same lattices with and without
``NUMBA_DISABLE_JIT=1``. ``phi4_action_numpy`` / ``phi4_force_numpy`` are readable numpy twins.
"""
import inspect
from dataclasses import dataclass

import numpy as np
from numba import njit

from .._progress import progress_bar


def phi4_action_numpy(phi, kappa, lam):
    """S per configuration for ``phi`` (..., L1, L2) -> (...,), with np.roll for the periodic shifts."""
    hop = phi * (np.roll(phi, -1, axis=-1) + np.roll(phi, -1, axis=-2))
    site = -2 * kappa * hop + (1 - 2 * lam) * phi**2 + lam * phi**4
    return site.sum(axis=(-2, -1))


def phi4_force_numpy(phi, kappa, lam):
    """dS/dphi for ``phi`` (..., L1, L2), same shape."""
    neighbours = sum(np.roll(phi, s, axis=a) for s in (1, -1) for a in (-1, -2))
    return -2 * kappa * neighbours + 2 * (1 - 2 * lam) * phi + 4 * lam * phi**3


@njit(cache=True)
def phi4_action(phi, kappa, lam):
    """S per configuration, ``phi`` (B, L1, L2) float64 -> (B,). Loops; same numbers as the twin."""
    B, L1, L2 = phi.shape
    out = np.zeros(B)
    for b in range(B):
        s = 0.0
        for i in range(L1):
            for j in range(L2):
                x = phi[b, i, j]
                hop = phi[b, (i + 1) % L1, j] + phi[b, i, (j + 1) % L2]
                s += -2.0 * kappa * x * hop + (1.0 - 2.0 * lam) * x * x + lam * x * x * x * x
        out[b] = s
    return out


@njit(cache=True)
def _site_force(phi, b, i, j, kappa, lam):
    """dS/dphi at site (i, j) of configuration b (periodic neighbours without the slow modulo)."""
    L1, L2 = phi.shape[1], phi.shape[2]
    up, down = (i + 1 if i + 1 < L1 else 0), (i - 1 if i > 0 else L1 - 1)
    right, left = (j + 1 if j + 1 < L2 else 0), (j - 1 if j > 0 else L2 - 1)
    x = phi[b, i, j]
    nb = phi[b, up, j] + phi[b, down, j] + phi[b, i, right] + phi[b, i, left]
    return -2.0 * kappa * nb + 2.0 * (1.0 - 2.0 * lam) * x + 4.0 * lam * x * x * x


@njit(cache=True)
def phi4_force(phi, kappa, lam):
    """dS/dphi of ``phi`` (B, L1, L2), same shape."""
    out = np.empty_like(phi)
    B, L1, L2 = phi.shape
    for b in range(B):
        for i in range(L1):
            for j in range(L2):
                out[b, i, j] = _site_force(phi, b, i, j, kappa, lam)
    return out


@njit(cache=True)
def _kick(phi, pi, h, kappa, lam):
    """Momentum update pi -= h dS/dphi, in place (fused: no force array is stored)."""
    B, L1, L2 = phi.shape
    for b in range(B):
        for i in range(L1):
            for j in range(L2):
                pi[b, i, j] -= h * _site_force(phi, b, i, j, kappa, lam)


@njit(cache=True)
def _drift(phi, pi, h):
    """Field update phi += h pi, in place."""
    B, L1, L2 = phi.shape
    for b in range(B):
        for i in range(L1):
            for j in range(L2):
                phi[b, i, j] += h * pi[b, i, j]


@njit(cache=True)
def leapfrog(phi, pi, kappa, lam, dt, n_steps):
    """Integrate Hamilton's equations dphi/dt = pi, dpi/dt = -dS/dphi for ``n_steps`` of size ``dt``,
    in place on ``phi`` and ``pi`` (B, L1, L2): half kick, then (drift, kick) repeated
    with the last kick halved. Time-reversible: negating pi and integrating again returns."""
    _kick(phi, pi, 0.5 * dt, kappa, lam)
    for step in range(n_steps):
        _drift(phi, pi, dt)
        _kick(phi, pi, (0.5 if step == n_steps - 1 else 1.0) * dt, kappa, lam)


@njit(cache=True)
def hamiltonian(phi, pi, kappa, lam):
    """H = sum pi^2 / 2 + S[phi] per configuration, (B,)."""
    h = phi4_action(phi, kappa, lam)
    B, L1, L2 = phi.shape
    for b in range(B):
        for i in range(L1):
            for j in range(L2):
                h[b] += 0.5 * pi[b, i, j] * pi[b, i, j]
    return h


@njit(cache=True)
def hmc_trajectory(phi, pi, u, kappa, lam, dt, n_steps):
    """One HMC update of every chain of ``phi`` (B, L1, L2), in place. ``pi`` (same shape) are the fresh
    momenta, ``u`` (B,) uniform numbers for the Metropolis test (accept if u < exp(-dH)).
    Returns the number of accepted proposals."""
    h_old = hamiltonian(phi, pi, kappa, lam)
    new, mom = phi.copy(), pi.copy()
    leapfrog(new, mom, kappa, lam, dt, n_steps)
    h_new = hamiltonian(new, mom, kappa, lam)
    accepted = 0
    for b in range(phi.shape[0]):
        if u[b] < np.exp(h_old[b] - h_new[b]):
            accepted += 1
            for i in range(phi.shape[1]):  # element loops: `phi[b] = new[b]` compiles 6x slower
                for j in range(phi.shape[2]):
                    phi[b, i, j] = new[b, i, j]
    return accepted


@dataclass
class HMCResult:
    """Final configurations (n_chains, L, L) float64, acceptance rate, and the mean field of every
    chain after each trajectory (n_traj, n_chains) to judge thermalisation."""
    phi: np.ndarray
    acceptance: float
    magnetisation_history: np.ndarray


def hmc_phi4(kappa, n_chains=1000, L=16, lam=0.02, n_traj=1000, dt=0.1, n_steps=10, seed=0, progress=None):
    """Sample phi^4 lattices: ``n_chains`` independent chains started from 0.1 N(0, 1), each run for
    ``n_traj`` HMC trajectories (leapfrog, ``n_steps`` steps of ``dt``); the defaults are the
    settings of the S5.2 data (L = 16, lambda = 0.02); they take about a minute per kappa on one
    core, so use fewer chains or trajectories for quick runs. Deterministic for a given ``seed``.
    ``progress``: a bar over the trajectories (None: on a terminal, once it takes a few seconds)."""
    _check(kappa, n_chains, L, lam, n_traj, dt, n_steps)
    with progress_bar(total=int(n_traj), desc=f"HMC kappa={kappa:g}", unit="traj", progress=progress) as bar:
        return _hmc(kappa, n_chains, L, lam, n_traj, dt, n_steps, seed, bar)


def _check(kappa, n_chains, L, lam, n_traj, dt, n_steps):
    for name, value in (("n_chains", n_chains), ("L", L), ("n_traj", n_traj), ("n_steps", n_steps)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not (dt > 0 and kappa >= 0 and lam >= 0):
        raise ValueError(f"need dt > 0, kappa >= 0, lambda >= 0; got dt={dt}, kappa={kappa}, lam={lam}")


def _hmc(kappa, n_chains, L, lam, n_traj, dt, n_steps, seed, bar):
    """`hmc_phi4`'s work, advancing ``bar`` by one per trajectory (with the acceptance so far)."""
    rng = np.random.default_rng(seed)
    phi = 0.1 * rng.standard_normal((n_chains, L, L))
    history = np.empty((n_traj, n_chains))
    accepted = 0
    for t in range(n_traj):
        pi = rng.standard_normal(phi.shape)
        accepted += hmc_trajectory(phi, pi, rng.random(n_chains), float(kappa), float(lam),
                                   float(dt), int(n_steps))
        history[t] = phi.mean(axis=(1, 2))
        bar.set_postfix_str(f"acceptance {accepted / ((t + 1) * n_chains):.2f}", refresh=False)
        bar.update()
    return HMCResult(phi, accepted / (n_traj * n_chains), history)


def generate_phi4_lattices(kappas, n_configs, seed=0, dtype=np.float32, progress=None, **hmc_options):
    """Lattices for several kappa, shaped like the shipped files: (len(kappas), n_configs, L, L).
    Each kappa gets its own stream, seeded by (seed, index). Returns (lattices, acceptance rates).
    ``progress``: one bar over all kappas' trajectories (None: on a terminal, when slow)."""
    kappas = list(kappas)
    call = inspect.signature(hmc_phi4).bind(None, n_chains=n_configs, **hmc_options)  # as hmc_phi4 would
    call.apply_defaults()
    o = call.arguments
    for k in kappas:
        _check(k, n_configs, o["L"], o["lam"], o["n_traj"], o["dt"], o["n_steps"])
    with progress_bar(total=len(kappas) * int(o["n_traj"]), desc="HMC lattices", unit="traj",
                      progress=progress) as bar:
        runs = [_hmc(k, n_configs, o["L"], o["lam"], o["n_traj"], o["dt"], o["n_steps"], [seed, i], bar)
                for i, k in enumerate(kappas)]
    return np.stack([r.phi for r in runs]).astype(dtype), np.array([r.acceptance for r in runs])


def magnetisation(phi, absolute=True):
    """Mean field per configuration, M = (1/V) sum_x phi(x), for ``phi`` (..., L, L) -> (...).
    With ``absolute`` (default) |M|: the order parameter, ~0 in the symmetric phase."""
    phi = np.asarray(phi, dtype=np.float64)
    if phi.ndim < 2:
        raise ValueError(f"phi must have shape (..., L, L), got {phi.shape}")
    m = phi.mean(axis=(-2, -1))
    return np.abs(m) if absolute else m


def mean_abs_magnetisation(lattices):
    """Mean |M| per kappa and its standard error, for ``lattices`` (n_kappa, n_configs, L, L)."""
    m = magnetisation(lattices)
    if m.ndim != 2:
        raise ValueError(f"lattices must have shape (n_kappa, n_configs, L, L), got {np.shape(lattices)}")
    return m.mean(axis=1), m.std(axis=1, ddof=1) / np.sqrt(m.shape[1])
