"""`run(path, *inputs)`: the outputs of an ONNX file computed by ONNX Runtime (to check an export)."""
import os

import numpy as np

from ..tensor import Tensor


def run(f, *inputs):
    """Run the ONNX model in `f` (a path, or the serialized bytes) on `inputs` (arrays or Tensors, in the
    order of the graph's inputs) with ONNX Runtime on the CPU; returns the list of output arrays."""
    try:
        import onnxruntime
    except ImportError:
        raise ImportError("tinynn.onnx.run needs ONNX Runtime: pip install onnxruntime "
                          "(or the extra: pip install -e \".[onnx]\")") from None
    if not isinstance(f, bytes):
        f = os.fspath(f)
        if not os.path.exists(f):
            raise FileNotFoundError(f"tinynn.onnx.run: no ONNX file at {f}")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3                    # errors only
    session = onnxruntime.InferenceSession(f, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    if len(inputs) != len(names):
        raise ValueError(f"tinynn.onnx.run: the model has {len(names)} input(s) {names}, got {len(inputs)}")
    feed = {n: np.asarray(x.data if isinstance(x, Tensor) else x) for n, x in zip(names, inputs)}
    return session.run(None, feed)
