"""THE table: each tinynn op (Function class) -> its one mapping to ONNX operators.

Everything composed from these ops (mean, var, min, flatten, squeeze, maxout, adaptive and global
average pooling, ...) exports without an entry of its own, since the trace only sees the ops that
ran. Dropout in eval mode runs no op at all. A Function missing here makes export fail with the
op's name and the module it ran in (tests/onnx checks that every op in tinynn is either here or
in NOT_EXPORTED).
"""
from ..nn.linear import LinearFunction
from ..ops import activation as A
from ..ops import arithmetic as M
from ..ops import conv as C
from ..ops import reduce as R
from ..ops import shape as S
from . import elementwise as E
from . import layers as L
from . import shape as SH

TABLE = {
    # arithmetic
    M.Add: E.binary("Add"), M.Sub: E.binary("Sub"), M.Mul: E.binary("Mul"), M.Div: E.binary("Div"),
    M.Pow: E.binary("Pow"), M.Maximum: E.binary("Max"),
    M.Neg: E.unary("Neg"), M.Exp: E.unary("Exp"), M.Log: E.unary("Log"), M.Sin: E.unary("Sin"),
    M.Cos: E.unary("Cos"), M.Sqrt: E.unary("Sqrt"), M.Abs: E.unary("Abs"),
    M.Clip: E.clip, M.Where: E.where, M.Cast: E.cast,
    # activations
    A.Sigmoid: E.unary("Sigmoid"), A.Tanh: E.unary("Tanh"), A.ReLU: E.unary("Relu"),
    A.LeakyReLU: E.leaky_relu, A.ELU: E.elu, A.Softplus: E.softplus,
    A.Softmax: E.softmax("Softmax"), A.LogSoftmax: E.softmax("LogSoftmax"),
    # reductions
    R.Sum: E.reduction("ReduceSum"), R.Max: E.reduction("ReduceMax"), R.LogSumExp: E.reduction("ReduceLogSumExp"),
    # moving elements
    S.MatMul: SH.matmul, S.Reshape: SH.reshape, S.Permute: SH.permute, S.Expand: SH.expand,
    S.Concat: SH.concat, S.Pad: SH.pad, S.GetItem: SH.getitem,
    # layers
    LinearFunction: L.linear, C.Conv2d: L.conv2d, C.MaxPool2d: L.max_pool2d, C.AvgPool2d: L.avg_pool2d,
}

# Ops deliberately without a mapping: the losses (they belong to training, not to the model one exports).
NOT_EXPORTED = ("SoftmaxCrossEntropy", "SquaredError", "BinaryCrossEntropy", "BCEWithLogits")
