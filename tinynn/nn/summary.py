"""`summary(model, input_shape)`: Keras's model.summary() table for a tinynn Module.

How it works: a forward hook is put on every layer (every module without sub-modules, and every
module that owns parameters directly), one dummy batch is run through the model, and each hook
records the layer's output shape as it fires. The dummy pass leaves no trace: it runs in eval mode
under no_grad, and the modules' attributes and the global random generator are restored afterwards.
"""
import numpy as np

from .. import factory
from ..tensor import Tensor, get_default_dtype, no_grad


class ModelSummary:
    """The result of summary(): `rows` [(name, type, output shape, params)], and the parameter totals.

    str() gives the table; the counts are `total_params`, `trainable_params`, `non_trainable_params`.
    """

    def __init__(self, model_name, rows, trainable, non_trainable):
        self.model_name, self.rows = model_name, rows
        self.trainable_params, self.non_trainable_params = trainable, non_trainable
        self.total_params = trainable + non_trainable

    def __str__(self):
        header = ("Layer (type)", "Output Shape", "Param #")
        cells = [(f"{name} ({kind})", shape, f"{n:,}") for name, kind, shape, n in self.rows]
        widths = [max([minimum] + [len(r[i]) + 3 for r in cells]) for i, minimum in enumerate((29, 26, 10))]
        line = lambda r: " " + "".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        width = sum(widths) + 1
        return "\n".join([f'Model: "{self.model_name}"', "_" * width, line(header), "=" * width]
                         + [line(c) for c in cells]
                         + ["=" * width, f"Total params: {self.total_params:,}",
                            f"Trainable params: {self.trainable_params:,}",
                            f"Non-trainable params: {self.non_trainable_params:,}", "_" * width])

    def __repr__(self):
        return f"<ModelSummary of {self.model_name}: {self.total_params:,} parameters>"


def _shape(out, batch):
    """'(None, 16)' for an output whose first axis is the batch; several outputs are listed."""
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_shape(o, batch) for o in out) + "]"
    shape = tuple(out.shape) if isinstance(out, (Tensor, np.ndarray)) else ()
    if shape and shape[0] == batch:
        shape = ("None",) + shape[1:]
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _buffer_count(module):
    """Elements in the module's own buffers that state_dict saves (non-trainable state)."""
    return sum(b.size for name, b in module._buffers.items() if b is not None and name not in module._non_persistent)


def _own_count(module):
    return sum(p.size for p in module.parameters(recurse=False)) + _buffer_count(module)


def summary(model, input_shape, dtype=None, print_fn=print, batch_size=2):
    """Print (with print_fn; None to stay silent) and return the Keras-style summary of `model`.

    input_shape is the shape of one example, without the batch axis (as in Keras), e.g. (1, 28, 28);
    a list of such shapes for a model whose forward takes several inputs. Totals: trainable = parameters
    with requires_grad; non-trainable = frozen parameters and buffers (e.g. running statistics).
    """
    shapes = list(input_shape) if input_shape and isinstance(input_shape[0], (tuple, list)) else [input_shape]
    params = list(model.parameters())
    dtype = np.dtype(dtype) if dtype is not None else (params[0].dtype if params else get_default_dtype())
    dummy_rng = np.random.default_rng(0)           # not the global generator: summary must not change it
    inputs = [Tensor(dummy_rng.standard_normal((batch_size,) + tuple(s)).astype(dtype)) for s in shapes]

    rows, counted, handles = [], set(), []
    layers = [(name, m) for name, m in model.named_modules()
              if not m._modules or any(True for _ in m.parameters(recurse=False))]

    def record(name):
        def hook(module, args, out):
            first = id(module) not in counted
            counted.add(id(module))
            rows.append((name or type(module).__name__.lower(), type(module).__name__, _shape(out, batch_size),
                         _own_count(module) if first else 0))
        return hook

    saved_attributes = [(m, dict(m.__dict__)) for m in model.modules()]
    saved_rng = factory.default_generator().bit_generator.state
    try:
        handles = [m.register_forward_hook(record(name)) for name, m in layers]
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, attributes in saved_attributes:
            m.__dict__.clear()
            m.__dict__.update(attributes)
        factory.default_generator().bit_generator.state = saved_rng

    trainable = sum(p.size for p in params if p.requires_grad)
    frozen = sum(p.size for p in params if not p.requires_grad)
    buffers = sum(_buffer_count(m) for m in model.modules())
    result = ModelSummary(type(model).__name__, rows, trainable, frozen + buffers)
    if print_fn is not None:
        print_fn(str(result))
    return result
