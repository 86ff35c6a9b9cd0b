"""export()'s contract beyond the numbers: clear errors naming the op and the module, nothing written on
failure (an existing file stays as it was), the model left as it was, PyTorch's argument conventions."""
import gc

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import tinynn as tn  # noqa: E402
import tinynn.nn as nn  # noqa: E402
import tinynn.onnx  # noqa: E402
from onnx_helpers import Fn, check  # noqa: E402
from tinynn import function  # noqa: E402
from tinynn.function import Function  # noqa: E402


@pytest.fixture
def user_op():
    """A model with an op of the user's own (a Function with no ONNX mapping) deep inside. The classes
    live only for the test (then collected), so tests/core's registry of tinynn's ops never sees them."""
    class Cube(Function):
        """out = x³."""
        def forward(self, x):
            self.save_for_backward(x)
            return x ** 3

        def backward(self, g):
            return 3 * g * self.saved[0] ** 2

    class CubeLayer(nn.Module):
        def forward(self, x):
            return Cube.apply(x)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.layers = nn.ModuleList([nn.Tanh(), CubeLayer()])

        def forward(self, x):
            x = self.fc(x)
            for layer in self.layers:
                x = layer(x)
            return x

    yield lambda: nn.Sequential(nn.Linear(3, 3), Block())
    del Cube, CubeLayer, Block
    gc.collect()
    assert not [c for c in Function.__subclasses__() if c.__name__ == "Cube"], "the test op outlived its test"


def _x(n=4, d=3):
    return tn.Tensor(np.random.default_rng(0).normal(size=(n, d)).astype(np.float32))


def test_op_without_mapping_names_op_and_module_and_writes_nothing(tmp_path, user_op):
    model = user_op()
    model.train()
    path = tmp_path / "model.onnx"
    with pytest.raises(tinynn.onnx.NoMapping) as info:
        tinynn.onnx.export(model, _x(), path)
    message = str(info.value)
    assert "Cube ran in module '1.layers.1' (CubeLayer)" in message and "no file was written" in message
    assert not path.exists() and list(tmp_path.iterdir()) == []
    assert function.tracer is None                              # the hook is off again
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert all(m.training for m in model.modules())
    tn.manual_seed(0)
    out = model(_x())                                            # and the model still trains
    out.sum().backward()
    assert model[0].weight.grad is not None


def test_failed_export_leaves_an_existing_file_untouched(tmp_path, user_op):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"the previous model")
    with pytest.raises(tinynn.onnx.NoMapping):
        tinynn.onnx.export(user_op(), _x(), path)
    assert path.read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_unexportable_use_of_a_mapped_op_is_explained():
    model = Fn(lambda self, x: x[np.array([0, 1]), np.array([1, 2])])
    with pytest.raises(tinynn.onnx.NoMapping, match=r"GetItem in the model's forward \(Fn\).*only one integer-array"):
        tinynn.onnx.export(model, _x(), "never.onnx")


def test_a_model_of_any_structure_exports():
    """Not only Sequential: a Module with its own forward, ModuleList, two inputs, two outputs."""
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.ModuleList([nn.Linear(3, 8), nn.Linear(8, 8)])
            self.mean, self.log_var = nn.Linear(8, 1), nn.Linear(8, 1)

        def forward(self, x, shift):
            h = x + shift
            for layer in self.trunk:
                h = layer(h).elu()
            return self.mean(h), self.log_var(h).exp()

    tn.manual_seed(0)
    data = check(TwoHeads(), lambda n: (_x(n).data, np.full((n, 3), 0.5, np.float32)),
                 output_names=["mean", "var"], input_names=["x", "shift"],
                 dynamic_axes={"x": [0], "shift": [0], "mean": [0], "var": [0]})
    proto = onnx.load_from_string(data)
    assert [i.name for i in proto.graph.input] == ["x", "shift"]
    assert [o.name for o in proto.graph.output] == ["mean", "var"]
    assert {t.name for t in proto.graph.initializer} >= set(TwoHeads().state_dict())
    assert any(n.name.startswith("trunk.1/") for n in proto.graph.node)     # nodes named by their module


@pytest.mark.parametrize("forward", [lambda self, x: x.var(axis=0),                 # divides by n - 1 of the batch
                                     lambda self, x: x[:len(x) - 1],              # a slice end from the shape
                                     lambda self, x: x.reshape(len(x) * 3).sum()])  # a size from the shape
def test_a_graph_that_depends_on_the_batch_size_is_refused(forward, tmp_path):
    """Traced again with the dynamic axes doubled, the graph must be the same, or the file would be wrong."""
    with pytest.raises(ValueError, match=r"depends on the size of the dynamic axes \{'input': \{0: 'batch'\}\}"):
        tinynn.onnx.export(Fn(forward), _x(), tmp_path / "m.onnx", dynamic_axes={"input": {0: "batch"}})
    assert list(tmp_path.iterdir()) == []
    tinynn.onnx.export(Fn(forward), _x(), tmp_path / "m.onnx")           # with static shapes it is right


def test_a_mean_over_the_batch_axis_exports_for_every_batch_size(tmp_path):
    """Mean is one op (ReduceMean): no batch size is baked into the graph, so a dynamic batch is right."""
    path = tmp_path / "m.onnx"
    tinynn.onnx.export(Fn(lambda self, x: x - x.mean(axis=0)), _x(), path, dynamic_axes={"input": {0: "batch"}})
    x = _x(7).data
    np.testing.assert_allclose(tinynn.onnx.run(path, x)[0], x - x.mean(axis=0), rtol=1e-5, atol=1e-6)


def test_static_shapes_unless_dynamic_axes_are_given(tmp_path):
    model = nn.Linear(3, 2)
    tinynn.onnx.export(model, _x(4), tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [4, 3]
    assert [i.name for i in proto.graph.input] == ["input"] and [o.name for o in proto.graph.output] == ["output"]
    assert proto.opset_import[0].version == 17


def test_output_that_is_an_input_or_used_twice():
    model = Fn(lambda self, x: (x, x.tanh(), x.tanh()))
    check(model, lambda n: (_x(n).data,), output_names=["a", "b", "c"],
          dynamic_axes={"x": [0], "a": [0], "b": [0], "c": [0]})


def test_ops_off_the_output_path_are_left_out(tmp_path):
    model = Fn(lambda self, x: (x.exp().sum(), x.relu())[1])
    tinynn.onnx.export(model, _x(), tmp_path / "m.onnx")
    assert [n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node] == ["Relu"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(opset_version=11), "opset_version must be an int from 13"),
    (dict(opset_version=99), "opset_version must be an int from 13"),
    (dict(dynamic_axes={"inputs": {0: "batch"}}), "dynamic_axes names 'inputs'"),
    (dict(dynamic_axes={"input": {2: "batch"}}), "dynamic axis 2 of 'input' is out of range"),
    (dict(input_names=["a", "b"]), "2 input names given for 1 input"),
    (dict(output_names=["input"]), "reuse input names"),
    (dict(input_names=["weight"]), r"names \['weight'\] are parameter names"),
])
def test_bad_arguments(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        tinynn.onnx.export(nn.Linear(3, 2), _x(), tmp_path / "m.onnx", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_bad_model_and_args():
    with pytest.raises(TypeError, match="needs a tinynn Module"):
        tinynn.onnx.export(lambda x: x, _x(), "never.onnx")
    with pytest.raises(TypeError, match="args must be Tensors or numpy arrays, got a list"):
        tinynn.onnx.export(nn.Linear(3, 2), ([1.0, 2.0, 3.0],), "never.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tinynn.onnx.export(nn.Linear(3, 2), _x(), "/no/such/dir/m.onnx")


def test_run_reports_a_missing_file_and_wrong_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="no ONNX file"):
        tinynn.onnx.run(tmp_path / "missing.onnx", np.zeros((1, 3), np.float32))
    tinynn.onnx.export(nn.Linear(3, 2), _x(), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="has 1 input"):
        tinynn.onnx.run(tmp_path / "m.onnx", np.zeros((4, 3), np.float32), np.zeros(3))


def test_file_permissions_follow_the_umask(tmp_path):
    import os
    old = os.umask(0o022)
    try:
        tinynn.onnx.export(nn.Linear(3, 2), _x(), tmp_path / "m.onnx")
    finally:
        os.umask(old)
    assert (tmp_path / "m.onnx").stat().st_mode & 0o777 == 0o644


def test_import_tinynn_does_not_import_onnx():
    import subprocess
    import sys
    code = "import sys, tinynn, tinynn.nn; print('onnx' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
