"""nn.summary: the Keras table, parameter counts derived by formula, and a dummy pass that leaves no trace."""
import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn


def dense(n_in, n_out):
    return n_in * n_out + n_out


def test_mlp_table_and_counts():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 10))
    printed = []
    s = nn.summary(model, (1, 28, 28), print_fn=printed.append)
    assert s.total_params == s.trainable_params == dense(784, 16) + dense(16, 10) == model.num_parameters()
    assert s.non_trainable_params == 0
    assert [r[1] for r in s.rows] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear"]
    assert [r[2] for r in s.rows] == ["(None, 784)", "(None, 16)", "(None, 16)", "(None, 16)", "(None, 10)"]
    assert [r[3] for r in s.rows] == [0, dense(784, 16), 0, 0, dense(16, 10)]
    table = printed[0]
    assert table == str(s) and table.startswith('Model: "Sequential"')
    assert " 1 (Linear)" in table and f"Total params: {dense(784, 16) + dense(16, 10):,}" in table
    assert "Non-trainable params: 0" in table


def test_frozen_parameters_buffers_and_nested_modules():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
            self.head = nn.Linear(5, 2)
            self.scale = nn.Parameter(np.ones(2, np.float32))
            self.register_buffer("running", np.zeros(4))

        def forward(self, x):
            return self.head(self.body(x)) * self.scale

    net = Net()
    net.body.requires_grad_(False)
    s = net.summary((3,), print_fn=None)
    assert [r[0] for r in s.rows] == ["body.0", "body.1", "head", "net"]
    assert s.rows[-1][3] == 2 + 4                                   # own parameter + own buffer
    assert s.trainable_params == dense(5, 2) + 2
    assert s.non_trainable_params == dense(3, 5) + 4
    assert s.total_params == net.num_parameters() + 4


def test_dummy_pass_leaves_no_trace():
    tn.manual_seed(0)
    model = nn.Sequential(nn.VBLinear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1))
    assert model.training and model[0].random is None
    expected_next = np.random.default_rng(0)
    tn.manual_seed(0)
    nn.summary(model, (2,), print_fn=None)
    assert model.training and all(m.training for m in model.modules())
    assert model[0].random is None
    assert all(not m._forward_hooks for m in model.modules())
    assert tn.default_generator().random() == expected_next.random()    # global generator untouched


def test_multiple_outputs_are_listed():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(np.ones((4, 2), np.float32))

        def forward(self, x):
            return x @ self.w, x

    s = nn.summary(Two(), (4,), print_fn=None)
    assert s.rows == [("two", "Two", "[(None, 2), (None, 4)]", 8)]
    assert repr(s) == "<ModelSummary of Two: 8 parameters>"


@pytest.mark.skipif(not hasattr(nn, "Conv2d"), reason="nn.Conv2d is added by the convolution work")
def test_keras_mnist_cnn_has_21898_parameters():
    """Exercise H4's Keras model: Conv 1->8 3x3, ReLU, MaxPool 2, Flatten, Dense 1352->16 ReLU, Dense 10."""
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 13 * 13, 16), nn.ReLU(), nn.Linear(16, 10))
    s = nn.summary(model, (1, 28, 28), print_fn=None)
    conv = 8 * 1 * 3 * 3 + 8
    assert s.total_params == conv + dense(1352, 16) + dense(16, 10) == 21_898
    assert [r[2] for r in s.rows][:4] == ["(None, 8, 26, 26)", "(None, 8, 26, 26)", "(None, 8, 13, 13)", "(None, 1352)"]
