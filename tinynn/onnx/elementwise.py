"""ONNX mappings of the elementwise ops, activations and reductions (tinynn/ops/arithmetic.py,
activation.py, reduce.py).

A mapping is called as `mapping(g, args, options, out)` right after the op ran: `args` are the op's
arguments as passed to Function.apply (Tensors or constants), `options` its keyword options, `out`
the Tensor it returned. It adds nodes to the Graph `g` and returns the ONNX name of `out`.
Inputs of mixed dtypes are brought to the output's dtype first, which is what numpy did.
"""
import numpy as np
from onnx import helper

from ..checks import axes as _axes


def unary(op_type, **attributes):
    """One ONNX op of the same meaning: Exp, Sigmoid, Relu, ..."""
    def mapping(g, args, options, out):
        return g.node(op_type, [g.input(args[0])], **attributes)
    mapping.__doc__ = f"-> {op_type}"
    return mapping


def binary(op_type):
    """An elementwise op on two broadcasting inputs (numpy's and ONNX's broadcasting agree)."""
    def mapping(g, args, options, out):
        return g.node(op_type, [g.input(a, out.dtype) for a in args])
    mapping.__doc__ = f"-> {op_type}"
    return mapping


def clip(g, args, options, out):
    """-> Clip(x, min, max); an absent bound is an absent input."""
    lo, hi = options.get("lo"), options.get("hi")
    return g.node("Clip", [g.input(args[0]), None if lo is None else g.input(np.asarray(lo, out.dtype)),
                           None if hi is None else g.input(np.asarray(hi, out.dtype))])


def where(g, args, options, out):
    """-> Where(cond, x, y), the condition a boolean constant."""
    cond, x, y = args
    return g.node("Where", [g.input(np.asarray(cond, dtype=bool)), g.input(x, out.dtype), g.input(y, out.dtype)])


def cast(g, args, options, out):
    """-> Cast(to=dtype)."""
    return g.node("Cast", [g.input(args[0])], to=helper.np_dtype_to_tensor_dtype(out.dtype))


def leaky_relu(g, args, options, out):
    """-> LeakyRelu(alpha=negative_slope)."""
    return g.node("LeakyRelu", [g.input(args[0])], alpha=float(options.get("negative_slope", 0.01)))


def elu(g, args, options, out):
    """-> Elu(alpha)."""
    return g.node("Elu", [g.input(args[0])], alpha=float(options.get("alpha", 1.0)))


def softplus(g, args, options, out):
    """log(1 + e^(βx))/β -> Softplus(x) for β = 1, else Softplus(βx)/β (ONNX's Softplus has no β)."""
    beta = options.get("beta", 1.0)
    x = g.input(args[0])
    if beta == 1:
        return g.node("Softplus", [x])
    b = g.input(np.asarray(beta, out.dtype))
    return g.node("Div", [g.node("Softplus", [g.node("Mul", [x, b])]), b])


def softmax(op_type):
    """-> Softmax / LogSoftmax along `axis` (opset 13 semantics: one axis, no flattening)."""
    def mapping(g, args, options, out):
        return g.node(op_type, [g.input(args[0])], axis=int(options.get("axis", -1)))
    mapping.__doc__ = f"-> {op_type}(axis)"
    return mapping


def reduction(op_type):
    """Sum / Max / LogSumExp over `axis` -> ReduceSum / ReduceMax / ReduceLogSumExp."""
    def mapping(g, args, options, out):
        x = args[0]
        axes = _axes(op_type, options.get("axis"), x.shape)
        return g.reduce(op_type, g.input(x), axes, options.get("keepdims", False))
    mapping.__doc__ = f"-> {op_type}(axes, keepdims)"
    return mapping
