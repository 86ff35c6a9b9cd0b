"""Leaving tinynn without retraining: `tinynn.onnx.export` writes a model as ONNX, the exchange format
that ONNX Runtime, experiments' software (CMS runs networks through ONNX Runtime) and FPGA toolchains
(hls4ml) read.

    import tinynn.onnx
    tinynn.onnx.export(model, x, "model.onnx", input_names=["x"], output_names=["y"],
                       dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})

The export traces the forward on `x`: every op that runs (a `Function`) is turned into ONNX nodes by
its one entry in table.py. Needs the optional extra: pip install -e ".[onnx]" (onnx, and
onnxruntime for `run`). `import tinynn` never imports this package.
"""
from .export import export
from .runtime import run
from .graph import NoMapping

__all__ = ["export", "run", "NoMapping"]
