"""The five networks issue #18 names, built as the example scripts build them, exported once and run in
ONNX Runtime at two batch sizes: outputs agree with tinynn to 1e-5 (float32), the graph passes
onnx.checker and its initializers are exactly the state_dict."""
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import tinynn as tn  # noqa: E402
import tinynn.onnx  # noqa: E402
from example_nets import NETWORKS, _rng  # noqa: E402
from onnx_helpers import outputs  # noqa: E402


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
    model = NETWORKS["s5_amplitude_mlp"][0]()
    x = tn.Tensor(np.ones((3, 20), np.float32))
    buffer = io.BytesIO()
    tinynn.onnx.export(model, x, buffer)
    tinynn.onnx.export(model, (x,), tmp_path / "m.onnx")
    assert (tmp_path / "m.onnx").read_bytes() == buffer.getvalue()
