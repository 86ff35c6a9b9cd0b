"""The five networks of issue #18, built as the example scripts build them (reproduced here, not imported),
with input makers of realistic scale; shared by the ONNX and the PyTorch-bridge tests (no onnx needed)."""
import numpy as np

import tinynn.nn as nn


def charges_net(n_out):
    """R1.1 (examples/r1_charges.py): 2 -> 10 -> 10 -> n_out, tanh; a sigmoid output for one unit."""
    layers = [nn.Linear(2, 10), nn.Tanh(), nn.Linear(10, 10), nn.Tanh(), nn.Linear(10, n_out)]
    return nn.Sequential(*layers, nn.Sigmoid()) if n_out == 1 else nn.Sequential(*layers)


def susy_net(n_in=8):
    """P (examples/p_susy.py): n_in -> 200 -> 100 -> 2, ReLU and dropout 0.5 (the staged set has 8 features)."""
    return nn.Sequential(nn.Linear(n_in, 200), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(200, 100), nn.ReLU(), nn.Dropout(0.5), nn.Linear(100, 2))


def mnist_cnn():
    """H4 (examples/h_mnist.py): conv 3x3 (8) -> ReLU -> max-pool 2 -> flatten -> 16 -> ReLU -> 10, Glorot init."""
    model = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(13 * 13 * 8, 16), nn.ReLU(), nn.Linear(16, 10))
    for layer in (model[0], model[4], model[6]):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return model


def phi4_cnn():
    """S5.2 (examples/s5_phi4_cnn.py): two circular-padded 3x3 convolutions on the 16x16 lattice, global
    average pooling, one logit."""
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.Conv2d(8, 16, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                         nn.AvgPool2d(16), nn.Flatten(), nn.Linear(16, 1))


def amplitude_net(n_out=1):
    """S5.3 (examples/s5_amplitudes.py): 20 -> 32 -> 32 -> 1 with ReLU (regression of log amplitudes)."""
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, n_out))


def _rng(n):
    return np.random.default_rng(n)


NETWORKS = {
    "r1_charges_sigmoid": (lambda: charges_net(1), lambda n: _rng(n).uniform(-3, 3, (n, 2))),
    "r1_charges_3_classes": (lambda: charges_net(3), lambda n: _rng(n).uniform(-3, 3, (n, 2))),
    "p_susy_dropout": (susy_net, lambda n: _rng(n).normal(size=(n, 8))),
    "h4_mnist_cnn": (mnist_cnn, lambda n: _rng(n).uniform(0, 1, (n, 1, 28, 28))),
    "s5_phi4_circular_cnn": (phi4_cnn, lambda n: _rng(n).normal(0, 1.5, (n, 1, 16, 16))),
    "s5_amplitude_mlp": (amplitude_net, lambda n: _rng(n).normal(size=(n, 20))),
}
