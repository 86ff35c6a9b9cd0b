"""README's "Using your model elsewhere" section runs as it stands, each block in a fresh process from an
empty directory: the ONNX block (printing the largest difference ONNX Runtime vs tinynn) and, where
PyTorch is installed, the PyTorch-bridge block."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECTION = "## Using your model elsewhere"


def _blocks():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.S)


def _run(code, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, f"README block failed:\n{code}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_onnx_block_runs_and_agrees(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    python = [code for lang, code in _blocks() if lang == "python"]
    assert len(python) == 1
    out = _run(python[0], tmp_path)
    assert float(out.split()[-1]) < 1e-5
    assert (tmp_path / "mnist_cnn.onnx").is_file()


def test_pytorch_bridge_block_runs(tmp_path):
    pytest.importorskip("torch")
    bridge = [code for lang, code in _blocks() if lang == "" and "load_state_dict" in code]
    assert len(bridge) == 1
    _run(bridge[0] + "\nprint(torch_model(torch.ones(2, 20)).shape)\n", tmp_path)
