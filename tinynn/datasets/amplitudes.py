"""Events for amplitude regression (MLPH sheet 5, exercise 3): q qbar -> gamma gamma g at tree level.

The sheet's gg -> gamma gamma g one-loop (NJet) events are not available, so we generate a substitute
with the same layout: four-momenta (N, 5, 4) in the order (parton1, parton2, gamma1, gamma2, g), each
(E, px, py, pz) in GeV, plus the squared amplitude A = |M|^2 to regress (as log A).

Matrix element. A gluon couples to the quark line like a photon (up to colour and coupling factors),
so the process has the form of e+e- -> gamma gamma gamma (Berends, Kleiss et al. 1981):
    |M|^2 = s * sum_i a_i b_i (a_i^2 + b_i^2) / prod_j a_j b_j,   a_i = p1.k_i,  b_i = p2.k_i,
summed over the three bosons k_i, with s = 2 p1.p2; couplings, colour and spin averages set to 1.
Phase space: RAMBO (Kleiss, Stirling, Ellis 1986) gives flat massless 3-body phase space in the
parton centre-of-mass frame; the event is then boosted along the beam by a random rapidity, and
cuts are applied to the final state: pT > 20 GeV, |eta| < 2.5, Delta R > 0.4 between every pair.
Incoming momenta are listed with positive energy, so p1 + p2 = k1 + k2 + k3.
"""
import numpy as np
from numba import njit

from .._progress import progress_bar

_CHUNK = 8192  # candidate events per step of the progress bar


def minkowski_dot(p, q):
    """p.q = E_p E_q - p_vec.q_vec over the last axis (metric +,-,-,-)."""
    return p[..., 0] * q[..., 0] - np.sum(p[..., 1:] * q[..., 1:], axis=-1)


@njit(cache=True)
def rambo(u, sqrt_s):
    """Massless n-body momenta, flat in phase space, in the centre-of-mass frame.

    ``u`` (N, n, 4) uniform numbers in [0, 1) -> momenta (N, n, 4) with total (sqrt_s, 0, 0, 0).
    Step 1: n independent isotropic massless q_i with energy density q0 exp(-q0).
    Step 2: boost and rescale them (a conformal map) so that their sum is exactly (sqrt_s, 0):
        M = sqrt(Q^2), b = -Q_vec / M, g = Q0 / M, a = 1 / (1 + g), x = sqrt_s / M,
        p0 = x (g q0 + b.q),   p_vec = x (q_vec + b q0 + a (b.q) b).
    For massless particles every event then has the same weight.
    """
    N, n, _ = u.shape
    p = np.empty((N, n, 4))
    q = np.empty((n, 4))
    for e in range(N):
        Q0 = Q1 = Q2 = Q3 = 0.0  # sum of the q_i (scalars: compiles faster than small arrays)
        for i in range(n):
            cos_t = 2.0 * u[e, i, 0] - 1.0
            sin_t = np.sqrt(1.0 - cos_t * cos_t)
            phi = 2.0 * np.pi * u[e, i, 1]
            energy = -np.log((1.0 - u[e, i, 2]) * (1.0 - u[e, i, 3]))
            q[i, 0] = energy
            q[i, 1] = energy * sin_t * np.cos(phi)
            q[i, 2] = energy * sin_t * np.sin(phi)
            q[i, 3] = energy * cos_t
            Q0, Q1, Q2, Q3 = Q0 + q[i, 0], Q1 + q[i, 1], Q2 + q[i, 2], Q3 + q[i, 3]
        mass = np.sqrt(Q0 * Q0 - Q1 * Q1 - Q2 * Q2 - Q3 * Q3)
        b1, b2, b3 = -Q1 / mass, -Q2 / mass, -Q3 / mass
        g = Q0 / mass
        a = 1.0 / (1.0 + g)
        x = sqrt_s / mass
        for i in range(n):
            bq = b1 * q[i, 1] + b2 * q[i, 2] + b3 * q[i, 3]
            p[e, i, 0] = x * (g * q[i, 0] + bq)
            p[e, i, 1] = x * (q[i, 1] + b1 * q[i, 0] + a * bq * b1)
            p[e, i, 2] = x * (q[i, 2] + b2 * q[i, 0] + a * bq * b2)
            p[e, i, 3] = x * (q[i, 3] + b3 * q[i, 0] + a * bq * b3)
    return p


def boost(p, beta):
    """Lorentz boost of four-vectors ``p`` (..., 4) by velocity ``beta`` (3,) (|beta| < 1):
    E' = g (E + beta.p),  p' = p + ((g - 1) (beta.p) / beta^2 + g E) beta."""
    beta = np.asarray(beta, dtype=np.float64)
    b2 = beta @ beta
    if not 0 < b2 < 1:
        raise ValueError(f"need 0 < |beta| < 1, got |beta| = {np.sqrt(b2)}")
    g = 1 / np.sqrt(1 - b2)
    bp = p[..., 1:] @ beta
    out = np.empty_like(p, dtype=np.float64)
    out[..., 0] = g * (p[..., 0] + bp)
    out[..., 1:] = p[..., 1:] + (((g - 1) * bp / b2 + g * p[..., 0])[..., None]) * beta
    return out


def boost_z(p, rapidity):
    """Boost along the beam: E' = E cosh y + pz sinh y, pz' = pz cosh y + E sinh y; ``rapidity`` (N,)."""
    ch, sh = np.cosh(rapidity)[:, None], np.sinh(rapidity)[:, None]
    out = p.copy()
    out[..., 0] = p[..., 0] * ch + p[..., 3] * sh
    out[..., 3] = p[..., 3] * ch + p[..., 0] * sh
    return out


def squared_amplitude(p):
    """|M|^2 of q(p1) qbar(p2) -> gamma(k1) gamma(k2) g(k3) for momenta ``p`` (N, 5, 4) -> (N,).
    Symmetric under permutations of the three bosons and under p1 <-> p2; Lorentz invariant."""
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 3 or p.shape[1:] != (5, 4):
        raise ValueError(f"momenta must have shape (N, 5, 4), got {p.shape}")
    a = minkowski_dot(p[:, :1], p[:, 2:])
    b = minkowski_dot(p[:, 1:2], p[:, 2:])
    s = 2 * minkowski_dot(p[:, 0], p[:, 1])
    return s * np.sum(a * b * (a**2 + b**2), axis=1) / np.prod(a * b, axis=1)


def pt_eta_phi(p):
    """Transverse momentum, pseudorapidity and azimuth of four-vectors (..., 4)."""
    pt = np.hypot(p[..., 1], p[..., 2])
    return pt, np.arcsinh(p[..., 3] / pt), np.arctan2(p[..., 2], p[..., 1])


def passes_cuts(k, pt_min=20.0, eta_max=2.5, dr_min=0.4):
    """Boolean (N,) for final-state momenta ``k`` (N, m, 4): every pT > pt_min, |eta| < eta_max,
    and Delta R = sqrt(d_eta^2 + d_phi^2) > dr_min for every pair (d_phi wrapped to [-pi, pi])."""
    pt, eta, phi = pt_eta_phi(k)
    ok = np.all((pt > pt_min) & (np.abs(eta) < eta_max), axis=1)
    for i in range(k.shape[1]):
        for j in range(i + 1, k.shape[1]):
            dphi = np.angle(np.exp(1j * (phi[:, i] - phi[:, j])))
            ok &= np.hypot(eta[:, i] - eta[:, j], dphi) > dr_min
    return ok


def generate_amplitude_events(n, sqrt_s=1000.0, y_max=1.0, pt_min=20.0, eta_max=2.5, dr_min=0.4,
                              seed=0, progress=None):
    """``n`` events passing the cuts: momenta (n, 5, 4) float64 and |M|^2 (n,) float64.

    Each event: partons along the beam with partonic energy ``sqrt_s`` (GeV), three bosons from
    RAMBO, the whole event boosted by a rapidity uniform in [-y_max, y_max]. Deterministic per seed.
    ``progress``: a bar over the accepted events (None: on a terminal, once it takes a few seconds).
    """
    if n < 1 or sqrt_s <= 0 or y_max < 0:
        raise ValueError(f"need n >= 1, sqrt_s > 0, y_max >= 0; got {n}, {sqrt_s}, {y_max}")
    rng = np.random.default_rng(seed)
    beams = 0.5 * sqrt_s * np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, -1.0]])
    kept, have, tried, efficiency = [], 0, 0, 0.5
    with progress_bar(total=int(n), desc="amplitude events", unit="ev", progress=progress) as bar:
        while have < n:
            batch = int(1.2 * (n - have) / efficiency) + 64
            u, rapidity = rng.random((batch, 3, 4)), rng.uniform(-y_max, y_max, size=batch)
            for lo in range(0, batch, _CHUNK):  # chunks only pace the bar: same events for a seed
                k = rambo(u[lo:lo + _CHUNK], float(sqrt_s))
                event = np.concatenate([np.broadcast_to(beams, (len(k), 2, 4)), k], axis=1)
                event = boost_z(event, rapidity[lo:lo + _CHUNK])
                ok = passes_cuts(event[:, 2:], pt_min, eta_max, dr_min)
                kept.append(event[ok])
                bar.update(min(int(ok.sum()), n - have))
                have += int(ok.sum())
            tried += batch
            if have == 0 and tried > 100_000:
                raise ValueError(f"no event of {tried} passes the cuts: sqrt_s = {sqrt_s} too small?")
            efficiency = max(have / tried, 1e-3)
    momenta = np.concatenate(kept)[:n]
    return momenta, squared_amplitude(momenta)


def amplitude_splits(n_train=30_000, n_val=30_000, n_test=30_000, seed=0, **options):
    """Train / validation / test sets like the original data: {"train": (momenta, A), ...}.
    ``options`` go to `generate_amplitude_events` (cuts, ``sqrt_s``, ``progress``)."""
    p, amp = generate_amplitude_events(n_train + n_val + n_test, seed=seed, **options)
    edges = np.cumsum([0, n_train, n_val, n_test])
    return {name: (p[lo:hi], amp[lo:hi]) for name, lo, hi in zip(("train", "val", "test"), edges[:-1], edges[1:])}
