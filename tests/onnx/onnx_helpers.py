"""Shared by the ONNX tests: export a model, run the file in ONNX Runtime, compare with tinynn."""
import io

import numpy as np

import tinynn as tn
import tinynn.nn as nn


class Fn(nn.Module):
    """A module whose forward is the given function (to export single ops)."""

    def __init__(self, fn, **layers):
        super().__init__()
        self.fn = fn
        for name, layer in layers.items():
            setattr(self, name, layer)

    def forward(self, *xs):
        return self.fn(self, *xs)


def export_bytes(model, inputs, **kwargs):
    """The ONNX file of `model` traced on `inputs` (a tuple of arrays), with every input and output's
    axis 0 dynamic unless told otherwise."""
    import tinynn.onnx
    buffer = io.BytesIO()
    n_in = len(inputs)
    names = ["x"] if n_in == 1 else [f"x{i}" for i in range(n_in)]
    kwargs.setdefault("input_names", names)
    kwargs.setdefault("output_names", ["y"])
    kwargs.setdefault("dynamic_axes", {n: {0: "batch"} for n in kwargs["input_names"] + kwargs["output_names"]})
    tinynn.onnx.export(model, tuple(tn.Tensor(x) for x in inputs), buffer, **kwargs)
    return buffer.getvalue()


def outputs(model, inputs):
    model.eval()
    with tn.no_grad():
        out = model(*(tn.Tensor(x) for x in inputs))
    return [o.data for o in (out if isinstance(out, (tuple, list)) else [out])]


def check(model, make_input, batches=(4, 1, 7), rtol=1e-5, atol=1e-5, dynamic=True, **kwargs):
    """Export traced on batch batches[0], then compare ONNX Runtime with tinynn at every batch size
    (all of them if the batch axis is dynamic, else only the traced one). Returns the ONNX bytes."""
    import tinynn.onnx
    inputs = make_input(batches[0])
    if not dynamic:
        kwargs["dynamic_axes"], batches = None, batches[:1]
    data = export_bytes(model, inputs, **kwargs)
    for b in batches:
        xs = make_input(b)
        expected = outputs(model, xs)
        got = tinynn.onnx.run(data, *xs)
        assert len(got) == len(expected)
        for e, o in zip(expected, got):
            assert o.dtype == e.dtype, (o.dtype, e.dtype)
            assert o.shape == e.shape, (o.shape, e.shape)
            np.testing.assert_allclose(o, e, rtol=rtol, atol=atol, err_msg=f"batch {b}")
    return data
