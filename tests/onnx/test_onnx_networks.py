"""The five networks issue #18 names, built as the example scripts build them, exported once and run in
ONNX Runtime at two batch sizes: outputs agree with tinynn to 1e-5 (float32), the graph passes
onnx.checker and its initializers are exactly the state_dict."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import tinynn as tn  # noqa: E402
import tinynn.nn as nn  # noqa: E402
import tinynn.onnx  # noqa: E402
from onnx_helpers import outputs  # noqa: E402


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


def _perturb(model, seed):
    """Weights away from their initialisation (non-zero biases, as after training)."""
    rng = _rng(seed)
    for p in model.parameters():
        p.data[...] += rng.normal(0, 0.1, p.shape).astype(p.dtype)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_network_runs_the_same_in_onnx_runtime(name, tmp_path):
    tn.manual_seed(1)
    build, make = NETWORKS[name]
    model = build()
    _perturb(model, 2)
    model.train()                                    # export switches to eval (dropout off) and back
    path = tmp_path / f"{name}.onnx"
    tinynn.onnx.export(model, tn.Tensor(make(16).astype(np.float32)), path, input_names=["x"],
                       output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    assert model.training and all(m.training for m in model.modules())
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    state = model.state_dict()
    assert {t.name for t in proto.graph.initializer if not t.name.count("/")} == set(state)
    for t in proto.graph.initializer:
        if t.name in state:
            np.testing.assert_array_equal(onnx.numpy_helper.to_array(t), state[t.name])
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    for n in (1, 37):                                 # neither is the traced batch size
        x = make(n).astype(np.float32)
        expected = outputs(model, (x,))[0]
        got = tinynn.onnx.run(path, x)[0]
        assert got.shape == expected.shape and got.shape[0] == n
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    model.eval()
    if name.startswith("h4"):                        # the classes agree, not only the logits
        x = make(200).astype(np.float32)
        assert (tinynn.onnx.run(path, x)[0].argmax(1) == outputs(model, (x,))[0].argmax(1)).all()


def test_export_to_an_open_file_gives_the_same_bytes(tmp_path):
    tn.manual_seed(0)
    model = amplitude_net()
    x = tn.Tensor(np.ones((3, 20), np.float32))
    buffer = io.BytesIO()
    tinynn.onnx.export(model, x, buffer)
    tinynn.onnx.export(model, (x,), tmp_path / "m.onnx")
    assert (tmp_path / "m.onnx").read_bytes() == buffer.getvalue()
