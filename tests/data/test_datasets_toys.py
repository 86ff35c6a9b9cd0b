"""Toy generators (charges grid, 2-D sets, regression surface, 1-D densities) and the MNIST-style
digit renderer."""
import os

import numpy as np
import pytest
from PIL import Image
from scipy.integrate import quad
from scipy.optimize import linprog

from tinynn.datasets import digits, toys


def test_charges_grid_conventions():
    X, y = toys.charges_grid()
    assert X.shape == (121, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert len({tuple(r) for r in X}) == 121 and X.min() == -5 and X.max() == 5
    label = {tuple(r): v for r, v in zip(X.tolist(), y.tolist())}
    assert label[(-2.0, 3.0)] == 1 and label[(2.0, 3.0)] == 0 and label[(0.0, 3.0)] == 0 and y.sum() == 50
    _, y_sign = toys.charges_grid(zero="sign")
    label_sign = dict(zip(map(tuple, X.tolist()), y_sign.tolist()))
    assert label_sign[(0.0, 3.0)] == 1 and label_sign[(0.0, 0.0)] == 0 and y_sign.sum() == 70
    _, y3 = toys.charges_grid(n_classes=3)
    assert np.bincount(y3).tolist() == [50, 21, 50]
    assert dict(zip(map(tuple, X.tolist()), y3.tolist()))[(4.0, -1.0)] == 0
    with pytest.raises(ValueError, match="zero"):
        toys.charges_grid(zero="maybe")
    with pytest.raises(ValueError, match="n_classes"):
        toys.charges_grid(n_classes=4)


def test_moons_and_circles_lie_on_their_curves_without_noise():
    X, y = toys.make_moons(101, noise=0.0, seed=1)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1)
    assert X[y == 0, 1].min() >= 0 and X[y == 1, 1].max() <= 0.5
    X, y = toys.make_circles(100, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.0, 0.3))
    noisy, _ = toys.make_moons(2000, noise=0.2, seed=2)
    clean, _ = toys.make_moons(2000, noise=0.0, seed=2)
    assert (noisy - clean).std() == pytest.approx(0.2, rel=0.05)
    with pytest.raises(ValueError, match="noise"):
        toys.make_moons(10, noise=-1)


@pytest.mark.parametrize("make", [toys.make_moons, toys.make_circles])
def test_moons_and_circles_are_shuffled_by_default_like_scikit_learn(make):
    """Issue #16: sorted by class, fit(validation_split=0.2) validated on class 1 only."""
    X, y = make(400, seed=3)
    Xs, ys = make(400, seed=3, shuffle=False)
    assert ys.tolist() == [0] * 200 + [1] * 200
    tail = y[-80:]                                           # what validation_split=0.2 takes
    assert 0.3 < tail.mean() < 0.7 and 0.3 < y[:200].mean() < 0.7
    order = np.lexsort(X.T)
    assert np.array_equal(X[order], Xs[np.lexsort(Xs.T)]) and np.array_equal(y[order], ys[np.lexsort(Xs.T)])
    X2, y2 = make(400, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)  # still deterministic per seed


def test_blobs_xor_and_linear():
    centers = np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 3.0]])
    X, y = toys.make_blobs(30, centers=centers, noise=0.0)
    np.testing.assert_array_equal(X, centers[y])
    X, y = toys.make_blobs(3000, centers=centers, noise=0.5, seed=3)
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.1)
    X4, y4 = toys.xor_points()
    assert X4.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y4.tolist() == [0, 1, 1, 0]
    X, y = toys.make_xor(400, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    X, y = toys.make_linear(300, noise=0.0, seed=5)
    # separable: some w, b with (2y - 1)(w.x + b) >= 1 for all points (a feasibility LP)
    sign = 2 * y - 1
    res = linprog(np.zeros(3), A_ub=-sign[:, None] * np.column_stack([X, np.ones(len(X))]),
                  b_ub=-np.ones(len(X)), bounds=[(None, None)] * 3)
    assert res.status == 0 and 0.3 < y.mean() < 0.7
    assert np.array_equal(toys.make_linear(50, seed=9)[0], toys.make_linear(50, seed=9)[0])


def test_regression_surface_and_noise():
    f = toys.regression_function_2d
    assert f(np.array([[0.0, 0.0]]))[0] == 0
    assert f(np.array([[np.pi / 4, 0.0]]))[0] == pytest.approx(1 + np.pi**2 / 64, rel=1e-14)
    X, y = toys.make_regression_2d(5000, noise=0.1, seed=1)
    assert X.shape == (5000, 2) and X.min() >= -2 and X.max() <= 2
    assert (y - f(X)).std() == pytest.approx(0.1, rel=0.05)
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        f(np.zeros(3))


def test_two_densities_are_normalised_and_sampled_correctly():
    x1, x2, p1, p2 = toys.two_densities(n=40_000, seed=0)
    for p in (p1, p2):
        assert quad(p.pdf, -np.inf, np.inf)[0] == pytest.approx(1, abs=1e-9)
    assert abs(x1.mean()) < 0.03 and x1.var() == pytest.approx(1.0, rel=0.03)
    assert abs(x2.mean()) < 0.05 and x2.var() == pytest.approx(0.7**2 + 1.5**2, rel=0.03)
    counts, edges = np.histogram(x2, bins=40, range=(-4, 4))
    expected = len(x2) * np.array([quad(p2.pdf, a, b)[0] for a, b in zip(edges[:-1], edges[1:])])
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected + 1))
    # t(0) = p1(0) / p2(0) = [1 / sqrt(2 pi)] / [exp(-(1.5 / 0.7)^2 / 2) / (0.7 sqrt(2 pi))]
    ratio = np.exp(p1.logpdf(0.0) - p2.logpdf(0.0))
    assert ratio == pytest.approx(0.7 * np.exp(0.5 * (1.5 / 0.7) ** 2), rel=1e-12)
    assert np.isfinite(p2.logpdf(60.0)) and p2.pdf(60.0) == 0.0
    with pytest.raises(ValueError, match="sigmas"):
        toys.GaussianMixture1D([1.0], [0.0], [-1.0])


def centre_of_mass(img):
    img = img.astype(float)
    idx = np.arange(img.shape[0])
    return np.array([img.sum(1) @ idx, img.sum(0) @ idx]) / img.sum()


def bounding_box(img):
    rows, cols = np.nonzero(img)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_rendered_digits_are_framed_like_mnist():
    images = [digits.render_digit(d) for d in range(10)]
    for img in images:
        assert img.shape == (28, 28) and img.dtype == np.uint8 and img.max() > 200
        assert max(bounding_box(img)) == 20
        assert np.all(np.abs(centre_of_mass(img) - 14) <= 0.5)
        assert np.sum((img > 0) & (img < 200)) > 10  # anti-aliased edges, not a binary image
    assert min(np.abs(a.astype(int) - b).sum() for i, a in enumerate(images) for b in images[i + 1:]) > 1000
    with pytest.raises(ValueError, match="digit"):
        digits.render_digit(12)


def test_png_round_trip_and_reading_a_dark_on_light_drawing(tmp_path):
    img = digits.render_digit(3)
    old = os.umask(0o022)
    try:
        path = digits.save_digit_png(tmp_path / "three.png", img)
    finally:
        os.umask(old)
    np.testing.assert_array_equal(digits.read_digit_png(path, frame=False), img)
    assert list(tmp_path.iterdir()) == [path]
    assert path.stat().st_mode & 0o777 == 0o644                 # the umask's mode, not mkstemp's 0600
    canvas = np.full((120, 90), 255, dtype=np.uint8)  # a user's drawing: black bar on white
    canvas[10:90, 30:45] = 0
    Image.fromarray(canvas).save(tmp_path / "bar.png")
    bar = digits.read_digit_png(tmp_path / "bar.png")
    assert bounding_box(bar)[0] == 20 and bar[14, 14] == 255 and bar[0, 0] == 0
    np.testing.assert_allclose(centre_of_mass(bar), 14, atol=0.5)
    with pytest.raises(ValueError, match="28x28"):
        digits.read_digit_png(tmp_path / "bar.png", frame=False)
    with pytest.raises(ValueError, match="blank"):
        digits.mnist_frame(np.zeros((28, 28)))
    with pytest.raises(TypeError, match="uint8"):
        digits.save_digit_png(tmp_path / "f.png", img.astype(float))
