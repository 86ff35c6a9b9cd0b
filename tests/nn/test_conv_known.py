"""Known answers, computed by hand or by an independent route (np.roll on a torus), on every backend."""
import numpy as np
import pytest

import tinynn as tn
import tinynn.functional as F
from tinynn.kernels import use_backend

BACKENDS = ["reference", "numpy", "numba"]


def t(a, grad=False):
    return tn.Tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.mark.parametrize("backend", BACKENDS)
def test_edge_filter_on_a_step_image(backend):
    """A vertical step 0|1 seen by the Sobel-x filter: each output is 4 (x[q+2] - x[q]) by hand."""
    image = np.array([[0, 0, 1, 1, 1]] * 5, dtype=float)
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    sobel_y = sobel_x.T
    with use_backend(backend):
        y = F.conv2d(t(image[None, None]), t(np.stack([sobel_x, sobel_y])[:, None]), t([0.5, 0.0]))
    assert np.array_equal(y.data[0, 0], [[4.5, 4.5, 0.5]] * 3)        # horizontal gradient (+ bias 0.5)
    assert np.array_equal(y.data[0, 1], np.zeros((3, 3)))             # no vertical change


@pytest.mark.parametrize("backend", BACKENDS)
def test_impulse_shows_cross_correlation(backend):
    """A single 1 at (2, 3) gives y[p, q] = w[2 - p, 3 - q]: the kernel appears flipped (no kernel flip)."""
    x = np.zeros((1, 1, 5, 6))
    x[0, 0, 2, 3] = 1.0
    w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    with use_backend(backend):
        y = F.conv2d(t(x), t(w)).data[0, 0]
    expected = np.zeros((3, 4))
    expected[0:3, 1:4] = w[0, 0, ::-1, ::-1]
    assert np.array_equal(y, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_stride_and_dilation_by_hand(backend):
    x = t(np.arange(16.0).reshape(1, 1, 4, 4))
    ones = t(np.ones((1, 1, 2, 2)))
    with use_backend(backend):
        assert F.conv2d(x, ones, stride=2).data[0, 0].tolist() == [[10, 18], [42, 50]]    # 2x2 block sums
        assert F.conv2d(x, ones, dilation=2).data[0, 0].tolist() == [[20, 24], [36, 40]]  # x[p,q]+x[p,q+2]+...


def _torus_conv(phi, w):
    """Σ_ij w[i, j] φ[(p + i - 1) mod L, (q + j - 1) mod L], written with np.roll."""
    return sum(w[i, j] * np.roll(phi, (1 - i, 1 - j), axis=(-2, -1)) for i in range(3) for j in range(3))


@pytest.mark.parametrize("backend", BACKENDS)
def test_circular_padding_is_a_torus(backend):
    rng = np.random.default_rng(0)
    phi, w, g = rng.standard_normal((2, 1, 5, 6)), rng.standard_normal((3, 3)), rng.standard_normal((2, 1, 5, 6))
    x = t(phi, grad=True)
    with use_backend(backend):
        y = F.conv2d(x, t(w[None, None]), padding=1, padding_mode="circular")
        y.backward(g)
        shifted = F.conv2d(t(np.roll(phi, (2, -1), axis=(2, 3))), t(w[None, None]), padding=1,
                           padding_mode="circular")
    assert np.allclose(y.data, _torus_conv(phi, w), rtol=0, atol=1e-12)
    # the gradient of Σ g·y wraps the same way backwards: Σ_ij w[i, j] g[(p - i + 1) mod L, ...]
    back = sum(w[i, j] * np.roll(g, (i - 1, j - 1), axis=(2, 3)) for i in range(3) for j in range(3))
    assert np.allclose(x.grad, back, rtol=0, atol=1e-12)
    # on a torus the convolution commutes with translations
    assert np.allclose(shifted.data, np.roll(y.data, (2, -1), axis=(2, 3)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_circular_neighbour_sum_is_the_lattice_laplacian_stencil(backend):
    """The φ⁴ hopping term Σ_±μ φ(x ± μ) on a periodic lattice is a circular conv with the cross stencil."""
    phi = np.random.default_rng(1).standard_normal((1, 1, 4, 4))
    cross = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)
    with use_backend(backend):
        y = F.conv2d(t(phi), t(cross[None, None]), padding="same", padding_mode="circular").data
    neighbours = sum(np.roll(phi, s, axis=a) for s in (1, -1) for a in (2, 3))
    assert np.allclose(y, neighbours, rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reflect_padding_mirrors_without_the_edge(backend):
    x = t(np.array([[[[1.0, 2.0, 3.0]]]]))
    with use_backend(backend):
        y = F.conv2d(x, t(np.ones((1, 1, 1, 1))), padding=(0, 2), padding_mode="reflect")
    assert y.data[0, 0, 0].tolist() == [3, 2, 1, 2, 3, 2, 1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_pool_ties_go_to_the_first_maximum(backend):
    x = t([[[[1, 3, 7, 7],
              [3, 2, 7, 7],
              [0, 0, 5, 9],
              [0, 0, 9, 5]]]], grad=True)
    with use_backend(backend):
        y = F.max_pool2d(x, 2)
        y.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    assert y.data[0, 0].tolist() == [[3, 7], [0, 9]]
    assert x.grad[0, 0].tolist() == [[0, 10, 20, 0],       # 3 at (0,1) before 3 at (1,0); 7 at (0,2) first
                                     [0, 0, 0, 0],
                                     [30, 0, 0, 40],      # all-zero window: its first element
                                     [0, 0, 0, 0]]        # 9 at (2,3) comes before 9 at (3,2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_pool_overlapping_windows_add_up_and_nan_propagates(backend):
    x = t([[[[0, 1, 0, 2, 0]]]], grad=True)
    with use_backend(backend):
        y = F.max_pool2d(x, (1, 3), stride=1)
        y.backward(np.ones((1, 1, 1, 3)))
        nan = F.max_pool2d(t([[[[1.0, np.nan], [5.0, 2.0]]]]), 2)
    assert y.data.ravel().tolist() == [1, 2, 2]
    assert x.grad.ravel().tolist() == [0, 1, 0, 2, 0]
    assert np.isnan(nan.data).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_avg_pool_by_hand(backend):
    x = t(np.arange(16.0).reshape(1, 1, 4, 4), grad=True)
    with use_backend(backend):
        y = F.avg_pool2d(x, 2)
        y.sum().backward()
        padded = F.avg_pool2d(t(np.ones((1, 1, 2, 2))), 2, stride=1, padding=1)
    assert y.data[0, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]
    assert np.array_equal(x.grad, np.full((1, 1, 4, 4), 0.25))
    assert padded.data[0, 0].tolist() == [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]  # zeros count


def test_global_average_pooling():
    x = np.random.default_rng(2).standard_normal((3, 4, 5, 6))
    assert np.allclose(F.adaptive_avg_pool2d(t(x), 1).data, x.mean(axis=(2, 3), keepdims=True))
    assert np.allclose(tn.nn.GlobalAvgPool2d()(t(x)).data, x.mean(axis=(2, 3)))
    assert np.allclose(F.avg_pool2d(t(x), (5, 6)).data, x.mean(axis=(2, 3), keepdims=True))
    assert np.allclose(F.adaptive_avg_pool2d(t(x), (1, 2)).data, x.reshape(3, 4, 5, 2, 3).mean(axis=(2, 4))[:, :, None])
