"""nn.Conv2d and the pooling modules: parameters, initialisation, output shapes, and learning a filter."""
import math

import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim


def test_parameters_and_pytorch_default_init():
    tn.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert conv.weight.shape == (32, 16, 3, 3) and conv.bias.shape == (32,)
    bound = 1 / math.sqrt(16 * 3 * 3)                                   # U(-1/√fan_in, 1/√fan_in)
    w = conv.weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound          # 4608 uniform draws
    assert np.abs(conv.bias.data).max() <= bound
    assert nn.Conv2d(2, 3, (1, 2), bias=False).bias is None
    assert len(list(nn.Conv2d(2, 3, 1, bias=False).parameters())) == 1


@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), ((2, 5), (3, 1))])
def test_same_padding_keeps_the_size(kernel, dilation):
    x = tn.randn(2, 3, 7, 8)
    assert nn.Conv2d(3, 5, kernel, padding="same", dilation=dilation)(x).shape == (2, 5, 7, 8)
    assert nn.Conv2d(3, 5, kernel, padding="same", dilation=dilation, padding_mode="circular")(x).shape == (2, 5, 7, 8)


def test_output_sizes_follow_the_formula():
    x = tn.randn(1, 2, 11, 10)
    # Ho = (11 + 2·2 - 2·(3-1) - 1) // 3 + 1 = 4,  Wo = (10 + 2·1 - 1·(2-1) - 1) // 2 + 1 = 6
    assert nn.Conv2d(2, 4, (3, 2), stride=(3, 2), padding=(2, 1), dilation=(2, 1))(x).shape == (1, 4, 4, 6)
    assert nn.MaxPool2d(3, stride=2, padding=1)(x).shape == (1, 2, 6, 5)
    assert nn.AvgPool2d(2)(x).shape == (1, 2, 5, 5)
    assert nn.AdaptiveAvgPool2d(1)(x).shape == (1, 2, 1, 1)
    assert nn.GlobalAvgPool2d()(x).shape == (1, 2)


def test_keras_mnist_cnn_forward_and_repr():
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(1352, 16), nn.ReLU(), nn.Linear(16, 10))
    assert model(tn.rand(5, 1, 28, 28)).shape == (5, 10)
    assert repr(model[0]) == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular", bias=False)) == \
        "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False, padding_mode='circular')"
    assert repr(model[2]) == "MaxPool2d(kernel_size=2, stride=2, padding=0)"


def test_state_dict_round_trip_and_float64():
    a, b = nn.Conv2d(2, 3, 3, dtype=np.float64), nn.Conv2d(2, 3, 3, dtype=np.float64)
    b.load_state_dict(a.state_dict())
    x = tn.Tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)))
    assert a(x).dtype == np.float64 and np.array_equal(a(x).data, b(x).data)


def test_gradient_descent_recovers_a_hidden_filter():
    """Fit Conv2d(1, 1, 3, circular) to the output of a known stencil: loss → 0, weights → stencil."""
    rng = np.random.default_rng(1)
    target = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)
    x = rng.standard_normal((8, 1, 6, 6))
    y = sum(target[i, j] * np.roll(x, (1 - i, 1 - j), axis=(2, 3)) for i in range(3) for j in range(3)) + 0.3
    tn.manual_seed(1)
    conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", dtype=np.float64)
    opt = optim.Adam(conv.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = ((conv(tn.Tensor(x)) - tn.Tensor(y)) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-6
    assert np.allclose(conv.weight.data[0, 0], target, atol=1e-3) and abs(conv.bias.data[0] - 0.3) < 1e-3
