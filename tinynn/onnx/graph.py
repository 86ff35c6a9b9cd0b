"""`Graph`: collects ONNX nodes and initializers while the traced forward runs.

Every Tensor an op produced is known by its ONNX value name (keyed by id; the trace keeps the
Tensors alive so no id is reused). Any other argument of an op becomes an initializer when it is
first used: a model parameter or buffer under its state_dict name, anything else (a Python number,
a numpy array, a Tensor made outside the ops) as a constant named after the module it appears in.
"""
import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..tensor import Tensor

INT64_MAX = np.iinfo(np.int64).max


class NoMapping(TypeError):
    """An op, or a use of an op, that has no ONNX counterpart; export names the op and the module."""


def onnx_dtype(dtype):
    """The ONNX element type of a numpy dtype (float32 -> TensorProto.FLOAT, ...)."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Graph:
    def __init__(self, opset, parameters):
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.values = {}                 # id(Tensor) -> ONNX value name
        self.keep = []                   # the traced Tensors, kept alive so their ids stay unique
        self.parameters = parameters     # id(Parameter or buffer) -> (state_dict name, Tensor)
        self.scope = ""                  # the qualified name of the module running now ('' = the model)
        self._used, self._outputs = set(), set()

    # ---- names ------------------------------------------------------------------------------------
    def fresh(self, base):
        """A value or node name not used before, prefixed by the current module ('fc1/Gemm')."""
        base = f"{self.scope}/{base}" if self.scope else base
        name, k = base, 0
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._used.add(name)
        return name

    def bind(self, tensor, name):
        """Remember that `tensor` is the ONNX value `name`."""
        self.values[id(tensor)] = name
        self.keep.append(tensor)
        self._used.add(name)

    def constant(self, array, base="const"):
        """A new initializer holding `array`; returns its name."""
        name = self.fresh(base)
        self.initializers.append(numpy_helper.from_array(np.asarray(array, order="C"), name))
        return name

    def ints(self, values):
        """An int64 1-D initializer (shapes, axes, pads, slice bounds)."""
        return self.constant(np.asarray(values, dtype=np.int64).reshape(-1), "ints")

    def input(self, a, dtype=None):
        """The ONNX name of an op argument `a`, as `dtype` if given (a Cast node for a traced value of
        another dtype; a constant is converted directly). None stays None (an absent optional input)."""
        if a is None:
            return None
        if isinstance(a, Tensor) and id(a) in self.values:
            name = self.values[id(a)]
        elif isinstance(a, Tensor) and id(a) in self.parameters:
            name, _ = self.parameters[id(a)]
            if name not in self._used:
                self._used.add(name)
                self.initializers.append(numpy_helper.from_array(np.asarray(a.data, order="C"), name))
            self.bind(a, name)
        else:
            array = np.asarray(a.data if isinstance(a, Tensor) else a)
            return self.constant(array if dtype is None else array.astype(dtype))
        if dtype is not None and a.dtype != np.dtype(dtype):
            return self.node("Cast", [name], to=onnx_dtype(dtype))
        return name

    # ---- nodes ------------------------------------------------------------------------------------
    def node(self, op_type, inputs, outputs=1, **attributes):
        """Add a node; returns its output name (a list of names if outputs > 1)."""
        names = [self.fresh(op_type + ("_output" if outputs == 1 else f"_output{i}")) for i in range(outputs)]
        inputs = ["" if i is None else i for i in inputs]
        while inputs and inputs[-1] == "":
            inputs.pop()
        self.nodes.append(helper.make_node(op_type, inputs, names, name=self.fresh(op_type), **attributes))
        return names[0] if outputs == 1 else names

    def reduce(self, op_type, x, axes, keepdims):
        """Reduce* over `axes`: axes are an input from opset 18 on (13 for ReduceSum), an attribute before."""
        if not axes:
            return self.node("Identity", [x])
        since = 13 if op_type == "ReduceSum" else 18
        if self.opset >= since:
            return self.node(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    def slice(self, x, axis, start, stop, step=1):
        """x[start:stop:step] along `axis` (Python's slice semantics; ONNX Slice clamps the same way)."""
        return self.node("Slice", [x, self.ints([start]), self.ints([stop]), self.ints([axis]), self.ints([step])])

    def rename(self, value, name):
        """Make `value` the graph output `name`: rename the node output that computes it, or (for an input,
        a constant, or a value already given another output name) add an Identity node."""
        if name in self._used:
            raise ValueError(f"tinynn.onnx.export: the output name '{name}' is already used in the graph")
        self._used.add(name)
        producer = next((n for n in self.nodes if value in n.output), None)
        if producer is None or value in self._outputs:
            self.nodes.append(helper.make_node("Identity", [value], [name], name=self.fresh("Identity")))
        else:
            for n in self.nodes:
                for field in (n.input, n.output):
                    for i, v in enumerate(field):
                        if v == value:
                            field[i] = name
        self._outputs.add(name)

    def _prune(self, outputs):
        """Only the nodes and initializers the outputs depend on (ops run in forward for other reasons go)."""
        needed, nodes = set(outputs), []
        for n in reversed(self.nodes):
            if needed.intersection(n.output):
                nodes.append(n)
                needed.update(n.input)
        return nodes[::-1], [t for t in self.initializers if t.name in needed]

    def serialized(self):
        """The nodes and initializers as bytes, in order (to compare two traces)."""
        return [n.SerializeToString() for n in self.nodes] + [t.SerializeToString() for t in self.initializers]

    def value_info(self, name, array, dynamic):
        """A graph input/output declaration: its element type and shape, with the dynamic axes named."""
        shape = [dynamic.get(i, n) for i, n in enumerate(array.shape)]
        return helper.make_tensor_value_info(name, onnx_dtype(array.dtype), shape)

    def model(self, inputs, outputs, producer_version):
        nodes, initializers = self._prune([o.name for o in outputs])
        graph = helper.make_graph(nodes, "tinynn", inputs, outputs, initializers)
        opset = helper.make_opsetid("", self.opset)
        model = helper.make_model(graph, opset_imports=[opset], producer_name="tinynn",
                                  producer_version=producer_version)
        model.ir_version = helper.find_min_ir_version_for([opset])    # readable by older runtimes too
        onnx.checker.check_model(model, full_check=True)
        return model
