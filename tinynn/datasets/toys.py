"""Small synthetic data sets the exercises build themselves: the charges grid (R1.1), 2-D toy
classification sets (H1a, H2), a smooth 2-D regression surface (H1b) and two 1-D densities with a
known likelihood ratio (S5.1). Every generator is seeded; X is float64 (n, 2), labels int64."""
import numpy as np


def charges_grid(qmax=5, zero="no_force", n_classes=2):
    """All integer charge pairs -qmax <= q1, q2 <= qmax ((2 qmax + 1)^2 rows) and their labels.

    Two classes (R1.1a): 1 = attractive. The sheet's formula is sign(q1) != sign(q2), which for a
    zero charge depends on a convention, chosen with ``zero``:
      "no_force": a neutral particle feels no force, so any pair with a zero is 0 (not attractive);
      "sign":     the formula read literally with sign(0) = 0, so (0, q != 0) counts as 1.
    Three classes (R1.1e): 0 = attractive (q1 q2 < 0), 1 = neutral (q1 q2 = 0), 2 = repulsive.
    Returns X (n, 2) float64 and y (n,) int64.
    """
    if int(qmax) != qmax or qmax < 1:
        raise ValueError(f"qmax must be a positive integer, got {qmax!r}")
    q = np.arange(-qmax, qmax + 1)
    q1, q2 = (a.ravel() for a in np.meshgrid(q, q, indexing="ij"))
    X = np.stack([q1, q2], axis=1).astype(np.float64)
    if n_classes == 3:
        return X, np.select([q1 * q2 < 0, q1 * q2 == 0], [0, 1], 2).astype(np.int64)
    if n_classes != 2:
        raise ValueError(f"n_classes must be 2 or 3, got {n_classes!r}")
    if zero == "no_force":
        return X, (q1 * q2 < 0).astype(np.int64)
    if zero == "sign":
        return X, (np.sign(q1) != np.sign(q2)).astype(np.int64)
    raise ValueError(f"zero must be 'no_force' or 'sign', got {zero!r}")


def _check(n, noise):
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def _halves(n):
    return np.repeat(np.array([0, 1], dtype=np.int64), [n // 2, n - n // 2])


def _shuffled(X, y, shuffle, rng):
    """``X, y`` in a random order (drawn last from ``rng``: shuffle=False gives the same points,
    class 0 first), as scikit-learn's generators return them by default."""
    if not shuffle:
        return X, y
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_moons(n=200, noise=0.1, seed=0, shuffle=True):
    """Two interleaved half circles: class 0 on (cos t, sin t), class 1 on (1 - cos t, 1/2 - sin t),
    t uniform in [0, pi], plus Gaussian noise of standard deviation ``noise``. The samples come in
    random order (``shuffle=False``: the first half class 0, then class 1), so that a split that
    takes the last fraction, as ``fit(validation_split=...)`` does, holds both classes."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    y = _halves(n)
    t = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0, np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    return _shuffled(X + noise * rng.standard_normal((n, 2)), y, shuffle, rng)


def make_circles(n=200, noise=0.05, factor=0.5, seed=0, shuffle=True):
    """Class 0 on the unit circle, class 1 on a circle of radius ``factor`` < 1, angle uniform.
    Samples in random order unless ``shuffle=False`` (then class 0 first), as `make_moons`."""
    _check(n, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    y = _halves(n)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(y == 0, 1.0, factor)
    X = r[:, None] * np.stack([np.cos(t), np.sin(t)], 1)
    return _shuffled(X + noise * rng.standard_normal((n, 2)), y, shuffle, rng)


def make_blobs(n=200, centers=3, noise=1.0, box=5.0, seed=0):
    """Gaussian blobs of standard deviation ``noise``; ``centers`` is a count (drawn uniformly in
    [-box, box]^2) or an array (k, 2). Points are shared out evenly; label = blob index."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    centers = (rng.uniform(-box, box, (int(centers), 2)) if np.isscalar(centers)
               else np.asarray(centers, dtype=np.float64))
    if centers.ndim != 2 or centers.shape[1] != 2 or len(centers) < 1:
        raise ValueError(f"centers must be a count or an array (k, 2), got shape {centers.shape}")
    y = np.arange(n, dtype=np.int64) % len(centers)
    return centers[y] + noise * rng.standard_normal((n, 2)), y


def xor_points():
    """The four points of the XOR problem (H1a): X = [[0,0],[0,1],[1,0],[1,1]], y = [0,1,1,0]."""
    return np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64), np.array([0, 1, 1, 0])


def make_xor(n=200, noise=0.1, seed=0):
    """XOR cloud: points uniform in [-1, 1]^2, label 1 where x1 and x2 have opposite signs, then
    positions jittered by Gaussian noise of standard deviation ``noise``."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    return X + noise * rng.standard_normal((n, 2)), y


def make_linear(n=200, noise=0.1, margin=0.3, seed=0):
    """Linearly separable classes: points uniform in [-1, 1]^2 labelled by a random line through
    the origin, pushed ``margin`` apart along its normal, then Gaussian noise (noise = 0 keeps them
    separable with a gap of 2 * margin)."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    X = rng.uniform(-1, 1, (n, 2))
    y = (X @ normal > 0).astype(np.int64)
    X = X + margin * (2 * y - 1)[:, None] * normal
    return X + noise * rng.standard_normal((n, 2)), y


def regression_function_2d(X):
    """The smooth surface of the H1b substitute: f(x1, x2) = sin(2 x1) cos(x2) + (x1^2 - x2^2) / 4."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    return np.sin(2 * X[:, 0]) * np.cos(X[:, 1]) + (X[:, 0] ** 2 - X[:, 1] ** 2) / 4


def make_regression_2d(n=500, noise=0.1, low=-2.0, high=2.0, seed=0):
    """Points uniform in [low, high]^2 and y = regression_function_2d(X) + N(0, noise^2)."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(low, high, (n, 2))
    return X, regression_function_2d(X) + noise * rng.standard_normal(n)


class GaussianMixture1D:
    """p(x) = sum_k w_k N(x; mu_k, sigma_k^2): exact pdf, log-pdf and sampling."""

    def __init__(self, weights, means, sigmas):
        self.weights, self.means, self.sigmas = (np.atleast_1d(np.asarray(v, dtype=np.float64))
                                                 for v in (weights, means, sigmas))
        if not self.weights.shape == self.means.shape == self.sigmas.shape:
            raise ValueError("weights, means and sigmas must have the same length")
        if np.any(self.sigmas <= 0) or np.any(self.weights < 0) or not np.isclose(self.weights.sum(), 1):
            raise ValueError("need sigmas > 0 and non-negative weights summing to 1")

    def logpdf(self, x):
        """log p(x) via log-sum-exp over the components (no underflow far in the tails)."""
        z = (np.asarray(x, dtype=np.float64)[..., None] - self.means) / self.sigmas
        terms = np.log(self.weights) - 0.5 * z**2 - np.log(self.sigmas * np.sqrt(2 * np.pi))
        top = terms.max(axis=-1, keepdims=True)
        return (top + np.log(np.exp(terms - top).sum(axis=-1, keepdims=True)))[..., 0]

    def pdf(self, x):
        return np.exp(self.logpdf(x))

    def sample(self, n, rng):
        """``n`` draws: pick a component by weight, then draw from that Gaussian."""
        k = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.means[k] + self.sigmas[k] * rng.standard_normal(n)


def two_densities(n=10_000, seed=0, p1=None, p2=None):
    """Samples of two 1-D densities with a known likelihood ratio t(x) = p1(x) / p2(x) (S5.1).

    Defaults: p1 = N(0, 1); p2 = 0.5 N(-1.5, 0.7^2) + 0.5 N(1.5, 0.7^2), so t(x) peaks at 0 and is
    not monotonic. Returns (x1 (n,), x2 (n,), p1, p2); the exact ratio is
    ``np.exp(p1.logpdf(x) - p2.logpdf(x))`` and the BCE-optimal classifier D = p1 / (p1 + p2).
    """
    p1 = p1 or GaussianMixture1D([1.0], [0.0], [1.0])
    p2 = p2 or GaussianMixture1D([0.5, 0.5], [-1.5, 1.5], [0.7, 0.7])
    rng = np.random.default_rng(seed)
    return p1.sample(n, rng), p2.sample(n, rng), p1, p2
