"""`export(model, args, f, ...)`: run the model once on `args`, record each op as it runs, write ONNX.

The trace: while the forward runs, Function.apply hands every op (class, arguments, options, output)
to `_Trace.record`, which looks the class up in table.TABLE and adds that op's ONNX nodes. Each
module's forward is wrapped for the duration, so nodes are named after the module they ran in
('features.0/Conv') and an op without a mapping is reported with its module. Only after the whole
model is built and has passed onnx.checker is anything written.

As in PyTorch's tracer, the graph is the path this forward took on these inputs: Python control flow
and sizes computed in Python become constants, except that axes kept from the input (a flatten's
batch axis) stay free, so a model exported with `dynamic_axes` runs on any batch size; a second
trace with the dynamic axes doubled checks it (or stops the export, saying which node depends on them).
"""
import os
import tempfile

import numpy as np
import onnx

from .. import __version__, function
from ..function import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from .graph import Graph, NoMapping
from .table import TABLE

DEFAULT_OPSET, MIN_OPSET = 17, 13


class _Trace:
    """The tracer installed in Function.apply during export: one `record` call per op."""

    def __init__(self, graph):
        self.graph = graph
        self.where = "the model's forward"

    def record(self, cls, args, options, out):
        mapping = TABLE.get(cls)
        if mapping is None:
            raise NoMapping(f"tinynn.onnx.export: the op {cls.__module__}.{cls.__qualname__} ran in {self.where} "
                            "and has no ONNX mapping (the ops that export are listed in tinynn/onnx/table.py); "
                            "no file was written")
        try:
            name = mapping(self.graph, args, options, out)
        except NoMapping as err:
            raise NoMapping(f"tinynn.onnx.export: the op {cls.__name__} in {self.where} cannot be exported: {err}; "
                            "no file was written") from None
        self.graph.bind(out, name)

    def enter(self, name, module):
        """Wrap module.forward so the trace knows which module is running (undone by `leave`)."""
        forward = module.forward
        where = f"module '{name}' ({type(module).__name__})" if name else f"the model's forward ({type(module).__name__})"

        def scoped(*args, **kwargs):
            outer = self.graph.scope, self.where
            self.graph.scope, self.where = name, where
            try:
                return forward(*args, **kwargs)
            finally:
                self.graph.scope, self.where = outer
        module.__dict__["forward"] = scoped

    @staticmethod
    def leave(module):
        module.__dict__.pop("forward", None)


def _names(names, n, default, what):
    if names is None:
        names = []
    names = list(names)
    if len(names) > n:
        raise ValueError(f"tinynn.onnx.export: {len(names)} {what} names given for {n} {what}(s): {names}")
    defaults = [default] if n == 1 else [f"{default}_{i}" for i in range(n)]
    names += defaults[len(names):]
    if len(set(names)) != len(names):
        raise ValueError(f"tinynn.onnx.export: {what} names must be unique, got {names}")
    return names


def _dynamic(dynamic_axes, names, shapes):
    """{value name: {axis: dim name}} from PyTorch's dynamic_axes ({name: {axis: 'batch'}} or {name: [axes]})."""
    result = {name: {} for name in names}
    for name, axes in (dynamic_axes or {}).items():
        if name not in result:
            raise ValueError(f"tinynn.onnx.export: dynamic_axes names '{name}', which is not an input or output "
                             f"name ({names})")
        if not isinstance(axes, dict):
            axes = {a: f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
        ndim = len(shapes[names.index(name)])
        for axis, dim in axes.items():
            if not -ndim <= axis < ndim:
                raise ValueError(f"tinynn.onnx.export: dynamic axis {axis} of '{name}' is out of range for its "
                                 f"{ndim} dimensions")
            result[name][axis % ndim] = str(dim)
    return result


def _write(data, f):
    """Write the bytes to a path atomically (temporary file + rename, permissions from the umask), or to
    an open binary file."""
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"tinynn.onnx.export: the directory {directory} of {path} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".onnx")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _trace(model, inputs, input_names, opset):
    """Run the model once on `inputs` with the tracer installed: the Graph of its ops, and its outputs."""
    if function.tracer is not None:
        raise RuntimeError("tinynn.onnx.export: another export is running (exports cannot be nested)")
    parameters = {}
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        parameters.setdefault(id(t), (name, t))
    graph = Graph(opset, parameters)
    for t, name in zip(inputs, input_names):
        graph.bind(t, name)
    trace = _Trace(graph)
    modules = [(name, m) for name, m in model.named_modules() if "forward" not in m.__dict__]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        for name, m in modules:
            trace.enter(name, m)
        function.tracer = trace.record
        with no_grad():
            result = model(*inputs)
    finally:
        function.tracer = None
        for _, m in modules:
            trace.leave(m)
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"tinynn.onnx.export: the model must return Tensors, got a {type(o).__name__}")
    return graph, outputs


def _check_dynamic(graph, model, inputs, input_names, dynamic):
    """Trace again with every dynamic input axis doubled: the graph must come out the same. If it does
    not, a size was computed in Python from the input's shape (the mean over the batch, x[:n] with
    n = len(x), ...) and the file would be wrong at other sizes, so export stops and says where."""
    if not any(dynamic[n] for n in input_names):
        return
    doubled = []
    for t, name in zip(inputs, input_names):
        data = t.data
        for axis in dynamic[name]:
            data = np.concatenate([data, data], axis=axis)
        doubled.append(Tensor(data))
    try:
        other, _ = _trace(model, doubled, input_names, graph.opset)
    except Exception as err:
        raise ValueError(f"tinynn.onnx.export: the model was traced again with its dynamic axes doubled in size "
                         f"(to check the graph does not depend on them) and failed: {err}") from err
    ours, theirs = graph.serialized(), other.serialized()
    if ours != theirs:
        k = next((k for k, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
        if k < len(graph.nodes):
            node = graph.nodes[k]
        else:                                         # a constant differs: name the node that uses it
            constant = graph.initializers[min(k - len(graph.nodes), len(graph.initializers) - 1)].name
            node = next(n for n in graph.nodes if constant in n.input)
        where = f"module '{node.name.rsplit('/', 1)[0]}'" if "/" in node.name else "the model's forward"
        axes = {name: axes for name, axes in dynamic.items() if axes}
        raise ValueError(f"tinynn.onnx.export: the graph depends on the size of the dynamic axes {axes}: "
                         f"traced again with them doubled, its {node.op_type} node in {where} differs. A size "
                         "computed in Python from "
                         "an input's shape is a constant of the trace; write it with -1 (reshape) or keep the "
                         "axis out of Python arithmetic, or export without dynamic_axes")


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None, opset_version=None):
    """Write `model` as an ONNX file to `f` (a path or a binary file), traced on the inputs `args`.

    args: a Tensor (or array), or a tuple of them, one per argument of model.forward.
    input_names / output_names: names of the graph's inputs and outputs ('input', 'output' by
    default; 'input_0', 'input_1', ... when there are several). dynamic_axes: which axes may change
    size, e.g. {'input': {0: 'batch'}, 'output': {0: 'batch'}} (or {'input': [0], ...}); the model is
    then traced a second time with those axes doubled, and a graph that depends on their size is refused.
    opset_version: the ONNX operator set, 13 to the newest onnx knows; 17 by default.
    The model runs in eval mode (dropout off) and is put back in its mode afterwards. Parameters and
    buffers are stored under their state_dict names. Raises a clear error, writing nothing, if an op
    has no ONNX mapping. (ONNX Runtime's CPU provider has no float64 convolution: export float32
    models for it.)
    """
    if not isinstance(model, Module):
        raise TypeError(f"tinynn.onnx.export needs a tinynn Module, got {type(model).__name__}")
    newest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) or not MIN_OPSET <= opset <= newest:
        raise ValueError(f"tinynn.onnx.export: opset_version must be an int from {MIN_OPSET} to {newest}, "
                         f"got {opset_version!r}")
    args = args if isinstance(args, tuple) else (args,)
    for a in args:
        if not isinstance(a, (Tensor, np.ndarray)):
            raise TypeError(f"tinynn.onnx.export: args must be Tensors or numpy arrays, got a {type(a).__name__}")
    inputs = [a if isinstance(a, Tensor) else Tensor(a) for a in args]
    input_names = _names(input_names, len(inputs), "input", "input")
    graph, outputs = _trace(model, inputs, input_names, int(opset))
    output_names = _names(output_names, len(outputs), "output", "output")
    if set(output_names) & set(input_names):
        raise ValueError(f"tinynn.onnx.export: output names {output_names} reuse input names {input_names}")
    names = input_names + output_names
    clash = set(names) & {name for name, _ in list(model.named_parameters()) + list(model.named_buffers())}
    if clash:
        raise ValueError(f"tinynn.onnx.export: input/output names {sorted(clash)} are parameter names of the model")
    dynamic = _dynamic(dynamic_axes, names, [t.shape for t in inputs + outputs])
    _check_dynamic(graph, model, inputs, input_names, dynamic)
    graph.scope = ""
    for o, name in zip(outputs, output_names):
        graph.rename(graph.input(o), name)
    model_proto = graph.model([graph.value_info(n, t.data, dynamic[n]) for n, t in zip(input_names, inputs)],
                              [graph.value_info(n, t.data, dynamic[n]) for n, t in zip(output_names, outputs)],
                              producer_version=__version__)
    _write(model_proto.SerializeToString(), f)
