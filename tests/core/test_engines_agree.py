"""The scalar engine (Value) and the tensor engine (Tensor) must agree, value and gradient, on the
same expressions — including L(x) of exercise S3.4 — and both must agree with finite differences."""
import math

import numpy as np
import pytest

import tinynn as tn
from tinynn.scalar import Value


def s34(x1, x2, exp, sin):
    """L(x) = (sin(x1/x2) + x1/x2 - e^x2) · (x1/x2 - e^x2), written once for both engines."""
    r = x1 / x2
    return (sin(r) + r - exp(x2)) * (r - exp(x2))


EXPRESSIONS = {
    "s34": lambda a, b, m: s34(a, b, m.exp, m.sin),
    "poly_div": lambda a, b, m: (a * a * b - 3.0 * a) / (b + 2.0) - 1.0 / (a * b),
    "pow_value_exponent": lambda a, b, m: a ** b + 2.0 ** a - (-a) ** 2,
    "activations": lambda a, b, m: m.tanh(a * b) + m.sigmoid(a - b) * m.relu(a + b) - m.log(b * b),
    "trig": lambda a, b, m: m.sin(a) * m.cos(b) + m.exp(-a * b),
    "reuse": lambda a, b, m: (a * b) * (a * b) + (a * b),
}


class ScalarMath:
    exp, sin, cos, tanh, sigmoid, relu, log = (staticmethod(getattr(Value, n)) for n in
                                               ("exp", "sin", "cos", "tanh", "sigmoid", "relu", "log"))


class TensorMath:
    exp, sin, cos, tanh, sigmoid, relu, log = (staticmethod(getattr(tn.Tensor, n)) for n in
                                               ("exp", "sin", "cos", "tanh", "sigmoid", "relu", "log"))


class FloatMath:
    exp, sin, cos, tanh, log = math.exp, math.sin, math.cos, math.tanh, math.log
    sigmoid = staticmethod(lambda z: 1 / (1 + math.exp(-z)))
    relu = staticmethod(lambda z: max(z, 0.0))


@pytest.mark.parametrize("name", EXPRESSIONS)
@pytest.mark.parametrize("point", [(1.5, 0.5), (0.7, 1.3)])
def test_scalar_and_tensor_engines_agree_with_each_other_and_finite_differences(name, point):
    f = EXPRESSIONS[name]
    a, b = Value(point[0]), Value(point[1])
    out_s = f(a, b, ScalarMath)
    out_s.backward()

    ta = tn.tensor(point[0], dtype=np.float64, requires_grad=True)
    tb = tn.tensor(point[1], dtype=np.float64, requires_grad=True)
    out_t = f(ta, tb, TensorMath)
    out_t.backward()

    assert out_s.data == pytest.approx(out_t.item(), rel=1e-14, abs=1e-14)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12, abs=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12, abs=1e-12)

    h = 1e-6
    fd_a = (f(point[0] + h, point[1], FloatMath) - f(point[0] - h, point[1], FloatMath)) / (2 * h)
    fd_b = (f(point[0], point[1] + h, FloatMath) - f(point[0], point[1] - h, FloatMath)) / (2 * h)
    assert a.grad == pytest.approx(fd_a, rel=1e-6, abs=1e-8)
    assert b.grad == pytest.approx(fd_b, rel=1e-6, abs=1e-8)


def test_s34_traces_match_the_tensor_engine_node_by_node():
    """Every intermediate node of L(x) at (1.5, 0.5), in topological order: the scalar engine's value and
    gradient equal the tensor engine's (retain_grad on every intermediate), so the printed traces are
    those of both engines."""
    from tinynn.graph import topo_sort
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    L = s34(x1, x2, Value.exp, Value.sin)
    L.backward()
    scalar_nodes = topo_sort(L, lambda v: v._prev)

    t1 = tn.tensor(1.5, dtype=np.float64, requires_grad=True)
    t2 = tn.tensor(0.5, dtype=np.float64, requires_grad=True)
    TL = s34(t1, t2, tn.Tensor.exp, tn.Tensor.sin)
    tensor_nodes = topo_sort(TL, lambda t: t._ctx.parents if t._ctx else ())
    for t in tensor_nodes:
        t.retain_grad()
    TL.backward()

    assert len(scalar_nodes) == len(tensor_nodes) == 10
    for v, t in zip(scalar_nodes, tensor_nodes):
        assert v.data == pytest.approx(t.item(), rel=1e-15, abs=1e-15)
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-13, abs=1e-15)
    forward, backward = L.forward_trace(), L.backward_trace()
    assert all(repr(v.data) in forward for v in scalar_nodes)
    assert all(repr(v.grad) in backward for v in scalar_nodes)
