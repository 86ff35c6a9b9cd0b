"""Value: a scalar that remembers how it was computed, so it can compute its own gradient.

Read this file first. Every operation below does two things:

  forward   compute the output number, and remember the inputs (`_prev`) and the op (`_op`);
  backward  a closure `_backward` holding the chain rule for this one op:
                input.grad += (d out / d input) * out.grad

`L.backward()` visits the nodes from L back to the inputs (reverse topological order) and runs
each closure once, so every node receives the sum of the gradients of all nodes that used it.
Numbers are Python floats (float64).

A closure reads its inputs through `val(node)`: the number node.data. While
`tinynn.autograd.grad(L, x, create_graph=True)` runs, val(node) is the node itself, so the same
closures build Value nodes: the gradient is then a graph of its own (the derivative's graph), which
can be drawn, traced, and differentiated again (d²L/dx²). Each derivative is written once.

Identity: `==` and `hash` are NOT overloaded, so they compare identity. Two nodes holding the
same number are different nodes, and Values can be dict keys and set members (the graph code
relies on that). Compare numbers with `a.data == b.data`. For convenience `< <= > >=` compare
`.data` and return a plain bool (not a node; there is no gradient through a comparison).

The end of the file computes exercise S3.4 by machine: `python -m tinynn.scalar` prints the
forward and backward traces and draws the graph.
"""
import contextlib
import math
import operator
from numbers import Real

from tinynn import graph, viz


def _inputs(v):
    """The inputs of node v: how `graph` walks a scalar graph."""
    return v._prev


def _leaf_backward():
    """A leaf has no inputs to pass a gradient to."""


# What a closure computes with: val(node) is node.data, the number. While grad(..., create_graph=True)
# runs the closures, val is swapped for the identity, so they compute with the nodes themselves.
val = operator.attrgetter("data")
_graph_mode = False


def _node_itself(node):
    return node


@contextlib.contextmanager
def derivative_graph():
    """Within this block the closures compute with the nodes themselves (val is the identity), so a
    backward pass builds Value nodes: how tinynn.autograd.grad(..., create_graph=True) works."""
    global val, _graph_mode
    previous = val, _graph_mode
    val, _graph_mode = _node_itself, True
    try:
        yield
    finally:
        val, _graph_mode = previous


def _number(x):
    return x.data if isinstance(x, Value) else x


def _cos(x):
    return x.cos() if isinstance(x, Value) else math.cos(x)


def _sin(x):
    return x.sin() if isinstance(x, Value) else math.sin(x)


def _log(x):
    return x.log() if isinstance(x, Value) else math.log(x)


def _lift(x):
    """A Value as is; a plain number becomes a constant leaf Value."""
    return x if isinstance(x, Value) else Value(x)


def _dpow_da(a, b):
    """d/da a**b = b a**(b-1), written so that a = 0 works wherever the derivative exists."""
    if _number(b) == 0:
        return 0.0
    if _number(a) == 0 and _number(b) < 1:
        raise ValueError(f"d/da a**b is infinite at a=0 for exponent b={_number(b)!r} < 1")
    return b * a ** (b - 1)


class Value:
    """A float64 scalar node of a computation graph.

    data   the number;
    grad   d(root)/d(this node) after `root.backward()`;
    label  optional name shown in traces and drawings (unlabelled nodes are called v0, v1, ...
           by their position in topological order).
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_backward")

    def __init__(self, data, label="", _prev=(), _op=""):
        """Ops make their output as Value(result, "", inputs, op_name); users write Value(1.5, label="x1")."""
        if type(data) is not float:
            if isinstance(data, Value) or not isinstance(data, Real):
                raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}")
            data = float(data)
        if data != data:
            raise ValueError(f"{_op or 'Value'}: result is NaN (inputs {[p.data for p in _prev]})")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._prev = _prev  # input nodes (a tuple), duplicates kept: a + a has _prev (a, a)
        self._op = _op  # the op that made this node; "" for a leaf
        self._backward = _leaf_backward

    def __repr__(self):
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"

    # --- binary ops: out = f(a, b), chain rule for both inputs ------------------------------

    def __add__(self, other):
        """a + b;  d/da = 1, d/db = 1."""
        other = _lift(other)
        out = Value(self.data + other.data, "", (self, other), "+")
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __sub__(self, other):
        """a - b;  d/da = 1, d/db = -1."""
        other = _lift(other)
        out = Value(self.data - other.data, "", (self, other), "-")
        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        """a * b;  d/da = b, d/db = a."""
        other = _lift(other)
        out = Value(self.data * other.data, "", (self, other), "*")
        def _backward():
            self.grad += val(other) * out.grad
            other.grad += val(self) * out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        """a / b;  d/da = 1/b, d/db = -a/b**2."""
        other = _lift(other)
        if other.data == 0:
            raise ZeroDivisionError(f"Value division: {self.data!r} / 0")
        out = Value(self.data / other.data, "", (self, other), "/")
        def _backward():
            self.grad += out.grad / val(other)
            other.grad -= val(self) / val(other)**2 * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        """a ** b;  d/da = b a**(b-1).

        b a number: a constant, not a node (the op is shown as e.g. "**2").
        b a Value:  also d/db = a**b log(a), which exists only for a > 0 (ValueError otherwise,
                    raised by backward()).
        """
        a, b = self.data, _lift(other).data
        if (a < 0 and not b.is_integer()) or (a == 0 and b < 0):
            raise ValueError(f"{a!r} ** {b!r} is not a real number")
        if isinstance(other, Value):
            out = Value(a**b, "", (self, other), "**")
        else:
            out = Value(a**b, "", (self,), f"**{b:g}")
        def _backward():
            if isinstance(other, Value):
                if a <= 0:
                    raise ValueError(f"d/db a**b = a**b log(a) needs a > 0, got a={a!r} "
                                     "(the exponent is a Value, so its gradient is needed)")
                other.grad += val(out) * _log(val(self)) * out.grad
            self.grad += _dpow_da(val(self), val(other) if isinstance(other, Value) else b) * out.grad
        out._backward = _backward
        return out

    # reflected forms: 2 * x calls x.__rmul__(2); the number becomes a constant leaf
    def __radd__(self, other):
        if _graph_mode and other == 0:      # a gradient's first share: 0 + g is g (keeps the derivative's graph lean)
            return self
        return _lift(other) + self

    def __rsub__(self, other):
        if _graph_mode and other == 0:
            return -self
        return _lift(other) - self

    def __rmul__(self, other): return _lift(other) * self
    def __rtruediv__(self, other): return _lift(other) / self
    def __rpow__(self, other): return _lift(other) ** self

    # --- unary ops: out = f(x), all share one chain-rule line -------------------------------

    def _unary(self, op, data, derivative):
        """Node for out = f(self), where derivative(x, out) = f'(x), given x and out = f(x)."""
        out = Value(data, "", (self,), op)
        def _backward():
            self.grad += derivative(val(self), val(out)) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        """-x;  d/dx = -1."""
        return self._unary("neg", -self.data, lambda x, out: -1.0)

    def exp(self):
        """e**x;  d/dx = e**x."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data!r}) is too large for float64") from None
        return self._unary("exp", e, lambda x, out: out)

    def log(self):
        """Natural log, x > 0;  d/dx = 1/x."""
        if self.data <= 0:
            raise ValueError(f"log needs x > 0, got x={self.data!r}")
        return self._unary("log", math.log(self.data), lambda x, out: 1.0 / x)

    def sin(self):
        """sin x;  d/dx = cos x."""
        return self._unary("sin", math.sin(self.data), lambda x, out: _cos(x))

    def cos(self):
        """cos x;  d/dx = -sin x."""
        return self._unary("cos", math.cos(self.data), lambda x, out: -_sin(x))

    def tanh(self):
        """tanh x;  d/dx = 1 - tanh(x)**2."""
        return self._unary("tanh", math.tanh(self.data), lambda x, out: 1.0 - out * out)

    def sigmoid(self):
        """s = 1 / (1 + e**-x);  d/dx = s (1 - s).

        Evaluated through z = e**-|x| (always in (0, 1]), so no overflow even at x = -1000.
        """
        z = math.exp(-abs(self.data))
        s = 1.0 / (1.0 + z) if self.data >= 0 else z / (1.0 + z)
        return self._unary("sigmoid", s, lambda x, out: out * (1.0 - out))

    def relu(self):
        """max(0, x);  d/dx = 1 for x > 0, else 0 (the choice at x = 0 is PyTorch's)."""
        return self._unary("relu", max(0.0, self.data), lambda x, out: 1.0 if _number(x) > 0 else 0.0)

    # --- comparisons: plain bools, for convenience (== stays identity, see module doc) -------
    def __lt__(self, other): return self.data < _lift(other).data
    def __le__(self, other): return self.data <= _lift(other).data
    def __gt__(self, other): return self.data > _lift(other).data
    def __ge__(self, other): return self.data >= _lift(other).data

    # --- backpropagation ---------------------------------------------------------------------

    def backward(self):
        """Set node.grad = d(self)/d(node) for every node of the graph that ends in self.

        Walks the nodes in reverse topological order (`graph.topo_sort`, iterative, so a chain
        of 100,000 nodes is fine): a node's closure runs only after every node that used it has
        added its share to node.grad. Interior nodes are reset first, so they show this pass's
        gradient. Leaves (inputs and constants) ACCUMULATE, as in PyTorch: calling backward()
        twice doubles the leaves' grads. Call `zero_grad()` first to start from zero.
        """
        order = graph.topo_sort(self, _inputs)
        for v in order:
            if v._prev:
                v.grad = 0.0
        self.grad += 1.0  # d(self)/d(self)
        for v in reversed(order):
            v._backward()

    def zero_grad(self):
        """Set grad = 0 on every node of this graph, leaves included (like optimizer.zero_grad())."""
        for v in graph.topo_sort(self, _inputs):
            v.grad = 0.0

    # --- teaching tools, written in tinynn/viz.py: traces in full precision, DOT text, a drawing ---
    forward_trace, backward_trace, to_dot, draw = viz.forward_trace, viz.backward_trace, viz.value_dot, viz.draw_value


if __name__ == "__main__":  # exercise S3.4: L(x) = (sin(x1/x2) + x1/x2 - e^x2)(x1/x2 - e^x2)
    x1, x2 = Value(1.5, label="x1"), Value(0.5, label="x2")
    a, b = x1 / x2, x2.exp()
    L = (a.sin() + a - b) * (a - b)
    L.backward()
    print("forward trace", L.forward_trace(), "", "backward trace", L.backward_trace(), sep="\n")
    from pathlib import Path
    folder = Path("out", "S3.4")  # beside the examples' figures (out/<exercise-id>/), not loose in the cwd
    folder.mkdir(parents=True, exist_ok=True)
    print("\ngraph drawn to", Path(L.draw(str(folder / "s34_graph.png"))).resolve())
