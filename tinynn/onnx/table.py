"""THE table: each tinynn op (Function class) -> its one mapping to ONNX operators.

Everything composed from these ops (var, min, flatten, squeeze, maxout, adaptive and global
average pooling, ...) exports without an entry of its own, since the trace only sees the ops that
ran. Dropout in eval mode runs no op at all. A Function missing here makes export fail with the
op's name and the module it ran in (tests/onnx checks that every op in tinynn is either here or
in NOT_EXPORTED). The trace sees the op's own class even where a kernel runs a faster subclass.
"""
from ..nn.linear import LinearFunction
from ..ops import (ELU, Abs, Add, Cast, Clip, Concat, Cos, Div, Exp, Expand, GetItem, LeakyReLU, Log, LogSoftmax,
                   LogSumExp, MatMul, Max, Maximum, Mean, Mul, Neg, Pad, Permute, Pow, ReLU, Reshape, Sigmoid, Sin, Softmax,
                   Softplus, Sqrt, Sub, Sum, Tanh, Where)
from ..ops.conv import AvgPool2d, Conv2d, MaxPool2d
from . import elementwise as E
from . import layers as L
from . import shape as S

TABLE = {
    # arithmetic
    Add: E.binary("Add"), Sub: E.binary("Sub"), Mul: E.binary("Mul"), Div: E.binary("Div"), Pow: E.binary("Pow"),
    Maximum: E.binary("Max"), Neg: E.unary("Neg"), Exp: E.unary("Exp"), Log: E.unary("Log"), Sin: E.unary("Sin"),
    Cos: E.unary("Cos"), Sqrt: E.unary("Sqrt"), Abs: E.unary("Abs"), Clip: E.clip, Where: E.where, Cast: E.cast,
    # activations
    Sigmoid: E.unary("Sigmoid"), Tanh: E.unary("Tanh"), ReLU: E.unary("Relu"), LeakyReLU: E.leaky_relu, ELU: E.elu,
    Softplus: E.softplus, Softmax: E.softmax("Softmax"), LogSoftmax: E.softmax("LogSoftmax"),
    # reductions
    Sum: E.reduction("ReduceSum"), Mean: E.reduction("ReduceMean"), Max: E.reduction("ReduceMax"), LogSumExp: E.reduction("ReduceLogSumExp"),
    # moving elements
    MatMul: S.matmul, Reshape: S.reshape, Permute: S.permute, Expand: S.expand, Concat: S.concat, Pad: S.pad,
    GetItem: S.getitem,
    # layers
    LinearFunction: L.linear, Conv2d: L.conv2d, MaxPool2d: L.max_pool2d, AvgPool2d: L.avg_pool2d,
}

# Ops deliberately without a mapping: the losses (they belong to training, not to the model one exports),
# and the ops that only run inside a backward pass (they appear in a derivative's graph, create_graph=True).
NOT_EXPORTED = ("SoftmaxCrossEntropy", "SquaredError", "BinaryCrossEntropy", "BCEWithLogits",
                "ScatterAdd", "ConvInputGrad", "ConvWeightGrad", "Pad2d", "Fold2d", "MaxUnpool2d", "AvgUnpool2d")
