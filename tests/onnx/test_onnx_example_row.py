"""examples/_onnx_check.py, the ONNX row of H4: it passes when ONNX Runtime reproduces the model and
fails when the runtime's logits are off (a mis-export), so its check can fail."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import tinynn as tn  # noqa: E402
import tinynn.onnx  # noqa: E402
from example_nets import mnist_cnn  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "_onnx_check", Path(__file__).resolve().parents[2] / "examples" / "_onnx_check.py")
onnx_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_check)


class Rows:
    def __init__(self):
        self.rows = []

    def add(self, exercise_id, what, numbers, figures=(), check=True):
        self.rows.append((exercise_id, numbers, check))


def _data(n=300):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def test_row_passes_when_the_runtime_reproduces_the_model(tmp_path):
    tn.manual_seed(0)
    x, y = _data()
    res = Rows()
    onnx_check.add_onnx_row(res, "H4d", mnist_cnn(), x, y, str(tmp_path / "mnist_cnn.onnx"))
    (exercise_id, numbers, check), = res.rows
    assert exercise_id == "H4d" and check
    assert numbers["predictions agreeing"] == 1.0 and numbers["test images"] == 300
    assert numbers["test accuracy (tinynn)"] == numbers["test accuracy (ONNX Runtime)"]
    assert (tmp_path / "mnist_cnn.onnx").is_file()


def test_row_fails_for_a_wrong_export(tmp_path, monkeypatch):
    tn.manual_seed(0)
    x, y = _data()
    run = tinynn.onnx.run
    monkeypatch.setattr(tinynn.onnx, "run", lambda path, *xs: [run(path, *xs)[0][:, ::-1].copy()])
    res = Rows()
    onnx_check.add_onnx_row(res, "H4d", mnist_cnn(), x, y, str(tmp_path / "mnist_cnn.onnx"))
    assert res.rows[0][2] is False
