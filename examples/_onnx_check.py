"""Leaving tinynn without retraining (issue #18), shown on a trained classifier: `add_onnx_row` exports
it with tinynn.onnx and runs the whole test set through ONNX Runtime.

The row passes only if ONNX Runtime reproduces the network: every predicted class agrees with tinynn's,
so the test accuracies are equal, and the logits differ by float32 rounding only (1e-4 of their
scale). A wrong export (weights transposed, padding or pooling mis-mapped) changes the predictions.
The export needs the optional extra (pip install -e ".[onnx]"); without onnx no row is added, without
onnxruntime the row reports the exported file, checked by onnx.checker.
"""
import importlib.util
import os

import numpy as np

from tinynn.train import predict


def add_onnx_row(res, exercise_id, model, x, y, path):
    """Export `model` (inputs x: (N, ...), class labels y) to `path` and add the agreement row to `res`."""
    if importlib.util.find_spec("onnx") is None:
        print(f"  (ONNX export skipped: pip install -e \".[onnx]\" to write {path} and run it in ONNX Runtime)")
        return
    import onnx

    import tinynn.onnx
    x = np.asarray(x, dtype=np.float32)
    tinynn.onnx.export(model, x[:2], path, input_names=["image"], output_names=["logits"],
                       dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    what = f"the fully trained model exported to {os.path.basename(path)} (ONNX, opset 17, batch axis dynamic)"
    numbers = {"file size (kB)": os.path.getsize(path) / 1000}
    if importlib.util.find_spec("onnxruntime") is None:
        try:
            onnx.checker.check_model(onnx.load(path), full_check=True)
            valid = True
        except onnx.checker.ValidationError as err:
            print(f"  {path} is not valid ONNX: {err}")
            valid = False
        res.add(exercise_id, what + "; ONNX Runtime is not installed, so it was only checked by onnx.checker",
                numbers, check=valid)
        return
    ours = predict(model, x, batch_size=500)
    theirs = tinynn.onnx.run(path, x)[0]
    agree = float(np.mean(theirs.argmax(1) == ours.argmax(1)))
    difference = float(np.abs(theirs - ours).max())
    scale = float(np.abs(ours).max())
    numbers.update({"test images": len(x), "predictions agreeing": agree,
                    "test accuracy (tinynn)": float(np.mean(ours.argmax(1) == y)),
                    "test accuracy (ONNX Runtime)": float(np.mean(theirs.argmax(1) == y)),
                    "max |logit difference|": difference, "max |logit|": scale})
    res.add(exercise_id, what + ", run in ONNX Runtime on the test set", numbers,
            check=agree == 1.0 and difference <= 1e-4 * max(scale, 1.0))
