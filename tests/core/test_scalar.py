"""Scalar engine: every op's gradient against central differences, the S3.4 function against a
hand-derived gradient, graph bookkeeping (reuse, deep chains, accumulation) and the teaching
tools (traces, DOT, drawing)."""
import math
import re

import pytest

from tinynn.scalar import Value


def numerical_grad(f, xs, h=1e-6):
    """Central differences (f(x + h) - f(x - h)) / 2h of f(*floats) -> float, per argument."""
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def check_grads(build, xs, rtol=1e-6, atol=1e-8):
    """Build the expression from Value leaves, backprop, compare with central differences."""
    leaves = [Value(x) for x in xs]
    out = build(*leaves)
    out.backward()
    expected = numerical_grad(lambda *v: build(*map(Value, v)).data, xs)
    for leaf, num in zip(leaves, expected):
        assert leaf.grad == pytest.approx(num, rel=rtol, abs=atol)


# each entry: (name, expression, points); points avoid kinks (relu at 0) and domain edges
OPS = [
    ("add", lambda a, b: a + b, [(1.3, -0.7)]),
    ("sub", lambda a, b: a - b, [(1.3, -0.7)]),
    ("mul", lambda a, b: a * b, [(1.3, -0.7)]),
    ("div", lambda a, b: a / b, [(1.3, -0.7), (-2.0, 0.3)]),
    ("pow_number", lambda a: a**3, [(1.3,), (-0.8,)]),
    ("pow_fraction", lambda a: a**-1.5, [(1.3,)]),
    ("pow_value", lambda a, b: a**b, [(1.3, -0.7), (0.4, 2.5)]),
    ("radd", lambda a: 2.5 + a, [(1.3,)]),
    ("rsub", lambda a: 2.5 - a, [(1.3,)]),
    ("rmul", lambda a: 2.5 * a, [(1.3,)]),
    ("rtruediv", lambda a: 2.5 / a, [(1.3,), (-0.6,)]),
    ("rpow", lambda a: 2.5**a, [(1.3,), (-0.6,)]),
    ("neg", lambda a: -a, [(1.3,)]),
    ("exp", lambda a: a.exp(), [(1.3,), (-4.0,)]),
    ("log", lambda a: a.log(), [(1.3,), (0.02,)]),
    ("sin", lambda a: a.sin(), [(1.3,), (-4.0,)]),
    ("cos", lambda a: a.cos(), [(1.3,), (-4.0,)]),
    ("tanh", lambda a: a.tanh(), [(0.4,), (-2.0,)]),
    ("sigmoid", lambda a: a.sigmoid(), [(0.4,), (-3.0,), (3.0,)]),
    ("relu", lambda a: a.relu(), [(0.4,), (-3.0,)]),
]


@pytest.mark.parametrize("name,build,points", OPS, ids=[o[0] for o in OPS])
def test_op_gradient_matches_central_differences(name, build, points):
    for xs in points:
        check_grads(build, xs)


def test_forward_values_match_math():
    x = 0.37
    v = Value(x)
    assert (v.exp().data, v.log().data, v.sin().data, v.cos().data, v.tanh().data) == (
        math.exp(x), math.log(x), math.sin(x), math.cos(x), math.tanh(x))
    assert v.sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-15)
    assert (Value(-2.0) ** 3).data == -8.0 and (2 ** Value(3.0)).data == 8.0
    assert Value(-1.5).relu().data == 0.0 and Value(1.5).relu().data == 1.5


# --- exercise S3.4 --------------------------------------------------------------------------

def s34(x1, x2):
    a = x1 / x2
    b = x2.exp()
    return (a.sin() + a - b) * (a - b)


def s34_by_hand(x1, x2):
    """L = u w with a = x1/x2, b = e^x2, u = sin a + a - b, w = a - b:
    dL/da = (cos a + 1) w + u,  dL/db = -(w + u),  da/dx1 = 1/x2,  da/dx2 = -x1/x2^2,
    db/dx2 = e^x2."""
    a, b = x1 / x2, math.exp(x2)
    u, w = math.sin(a) + a - b, a - b
    dl_da, dl_db = (math.cos(a) + 1) * w + u, -(w + u)
    return u * w, dl_da / x2, dl_da * (-x1 / x2**2) + dl_db * b


def test_s34_value_and_gradient():
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    L = s34(x1, x2)
    L.backward()
    value, g1, g2 = s34_by_hand(1.5, 0.5)
    assert L.data == pytest.approx(value, rel=1e-15)
    assert x1.grad == pytest.approx(g1, rel=1e-13)
    assert x2.grad == pytest.approx(g2, rel=1e-13)
    n1, n2 = numerical_grad(lambda a, b: s34(Value(a), Value(b)).data, [1.5, 0.5])
    assert x1.grad == pytest.approx(n1, rel=1e-7) and x2.grad == pytest.approx(n2, rel=1e-7)


def test_s34_traces_show_every_node_in_full_precision():
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    L = s34(x1, x2)
    L.backward()
    fwd, bwd = L.forward_trace(), L.backward_trace()
    fwd_rows, bwd_rows = fwd.splitlines()[2:], bwd.splitlines()[2:]
    assert len(fwd_rows) == len(bwd_rows) == 9  # x1, x2, a, b, sin a, +, -, -, *
    assert fwd_rows[0].split()[:2] == ["x1", "leaf"] and fwd_rows[1].split()[:2] == ["x2", "leaf"]
    assert "x1 / x2" in fwd_rows[2] and "exp(x2)" in fwd
    assert bwd_rows[0].split()[-1] == "1.0"  # backward starts at L with dL/dL = 1
    assert bwd_rows[-1].split()[0] == "x1"
    for v, g in [(L.data, 1.0), (x1.data, x1.grad), (x2.data, x2.grad), (math.exp(0.5), None)]:
        assert repr(v) in fwd and repr(v) in bwd
        if g is not None:
            assert repr(g) in bwd
    # the exact float64 values round-trip from the table
    assert float(fwd_rows[-1].split()[-1]) == L.data


def test_s34_dot_has_one_node_per_value_and_one_edge_per_use():
    L = s34(Value(1.5, label="x1"), Value(0.5, label="x2"))
    dot = L.to_dot()
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    nodes = re.findall(r"^\s*(n\d+) \[label=\"(.*)\"\];$", dot, re.M)
    edges = re.findall(r"^\s*(n\d+) -> (n\d+);$", dot, re.M)
    assert len(nodes) == 9
    assert len(edges) == 12  # /:2 exp:1 sin:1 +:2 -:2 -:2 *:2
    labels = dict(nodes)
    assert any(lab.startswith("x1\\n") for lab in labels.values())
    assert all(a in labels and b in labels for a, b in edges)


def test_s34_draw_writes_png(tmp_path):
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    L = s34(x1, x2)
    L.backward()
    path = L.draw(str(tmp_path / "s34.png"))
    data = open(path, "rb").read()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    assert list(tmp_path.iterdir()) == [tmp_path / "s34.png"]  # no temporary file left behind
    (tmp_path / "plain").write_text("")  # the PNG gets the permissions any new file gets
    assert (tmp_path / "s34.png").stat().st_mode == (tmp_path / "plain").stat().st_mode


# --- graph bookkeeping ----------------------------------------------------------------------

def test_reused_nodes_sum_their_gradients():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    a = Value(-2.0)
    (a + a).backward()
    assert a.grad == 2.0
    # diamond: y used twice on different paths
    x = Value(0.7)
    y = x.exp()
    z = y.sin() * y
    z.backward()
    e = math.exp(0.7)
    assert x.grad == pytest.approx((math.cos(e) * e + math.sin(e)) * e, rel=1e-14)


def test_chain_of_100k_nodes_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(100_000):  # depth 100,000: micrograd's recursive sort fails near 1,000
        y = y * 1.000001
    y.backward()
    assert y.data == pytest.approx(1.000001**100_000, rel=1e-9)
    assert x.grad == pytest.approx(1.000001**100_000, rel=1e-9)


def test_backward_twice_accumulates_in_leaves_only():
    x1, x2 = Value(1.5), Value(0.5)
    L = s34(x1, x2)
    L.backward()
    g1, g2, interior = x1.grad, x2.grad, L._prev[0].grad
    L.backward()
    assert (x1.grad, x2.grad) == (2 * g1, 2 * g2)
    assert L.grad == 1.0 and L._prev[0].grad == interior  # interior nodes: this pass only
    L.zero_grad()
    assert x1.grad == x2.grad == L.grad == L._prev[0].grad == 0.0
    L.backward()
    assert (x1.grad, x2.grad) == (g1, g2)


def test_two_outputs_sharing_an_input_accumulate():
    x = Value(2.0)
    (x * 3).backward()
    (x * x).backward()
    assert x.grad == 3.0 + 4.0


def test_backward_from_a_leaf_accumulates_like_pytorch():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0  # torch: x.backward() twice on a leaf gives x.grad == 2


def test_values_are_hashable_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and len({a, b}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"


def test_comparisons_return_bools():
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= 1.0) is True and (b > 3) is False and (b >= a) is True


# --- numerics and errors --------------------------------------------------------------------

def test_sigmoid_is_stable_for_large_inputs():
    for x, s in [(1000.0, 1.0), (-1000.0, 0.0), (40.0, 1 / (1 + math.exp(-40.0)))]:
        v = Value(x)
        out = v.sigmoid()
        out.backward()
        assert out.data == s and math.isfinite(v.grad)
    assert Value(-745.0).sigmoid().data == pytest.approx(math.exp(-745.0), rel=1e-3)


def test_tanh_saturates_without_nan():
    v = Value(-1000.0)
    out = v.tanh()
    out.backward()
    assert out.data == -1.0 and v.grad == 0.0


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="log needs x > 0, got x=0.0"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="x=-1.0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5
    with pytest.raises(ValueError, match="not a real number"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match="1.0 / 0"):
        Value(1.0) / 0
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()
    with pytest.raises(TypeError, match="str"):
        Value("1.5")
    with pytest.raises(TypeError, match="real number"):
        Value(1.0) + "a"
    with pytest.raises(ValueError, match="NaN"):
        Value(float("inf")) - Value(float("inf"))


def test_value_exponent_needs_positive_base_for_its_gradient():
    base, expo = Value(-2.0), Value(3.0)
    out = base**expo
    assert out.data == -8.0  # the forward value is fine ...
    with pytest.raises(ValueError, match="needs a > 0, got a=-2.0"):
        out.backward()  # ... but d/db = a**b log(a) is not real
    zero = Value(0.0) ** 0.5
    with pytest.raises(ValueError, match="infinite at a=0"):
        zero.backward()
    x = Value(0.0)
    (x**2).backward()
    assert x.grad == 0.0


def test_module_demo_prints_the_s34_traces(tmp_path, monkeypatch, capsys):
    import runpy
    import warnings

    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # runpy: module already imported
        runpy.run_module("tinynn.scalar", run_name="__main__")
    out = capsys.readouterr().out
    value, g1, g2 = s34_by_hand(1.5, 0.5)
    assert "forward trace" in out and "backward trace" in out
    numbers = [float(t) for t in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", out)]
    for expected in (value, g1, g2):
        assert any(n == pytest.approx(expected, rel=1e-13) for n in numbers)
    png = tmp_path / "out" / "S3.4" / "s34_graph.png"          # under out/, not loose in the cwd
    assert png.stat().st_size > 10_000 and f"graph drawn to {png}" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
