"""Bad input, systematically (issue #14): every registered op, layer and loss, fed what users get wrong.

Walked here:
- every gradcheck case of the registry (tests/core/cases_*.py) with one input of a wrong shape, or
  with a NaN, an inf or a value outside the op's domain in it;
- every op's functional form (tinynn.ops.METHODS), the losses, layers and conv/pool functions with
  object, string, complex and None data;
- every op that takes an axis, with axes drawn in and out of range, repeated, or not ints.

Each call must either give a result or raise a TypeError, ValueError or IndexError whose message
starts with the name of an op, function or layer of tinynn ("mse_loss: ...", "Conv2d(...): ...",
"Add: ...") - never a bare numpy error from inside - and a result computed from data without NaN
(and inside the op's domain) must hold no NaN.
"""
import inspect
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinynn as tn
import tinynn.functional as F
import tinynn.nn as nn
from registry import all_cases, all_functions
from tinynn import ops

CASES = all_cases()
SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _normal(name):
    return name.lower().replace("_", "")


NAMES = {_normal(n) for n in
         [f.__name__ for f in all_functions()] + list(ops.METHODS) + dir(F) + dir(nn) + dir(ops)
         + ["tensor", "getitem", "concat", "stack", "sum", "mean", "var", "std", "linear"]
         if not n.startswith("__")}


def check_error(err):
    """A clear error: the right type, and a message that starts with the name of a tinynn op or layer."""
    assert isinstance(err, (TypeError, ValueError, IndexError)), f"{type(err).__name__}: {err}"
    head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", str(err))
    assert head and _normal(head.group()) in NAMES, f"the message names no op: {type(err).__name__}: {err}"


def run(call, nan_allowed):
    """Call; on success the result holds no NaN unless the data did; on failure the error is clear."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)        # numpy's warnings about inf arithmetic
            out = call()
    except (TypeError, ValueError, IndexError, ZeroDivisionError, RuntimeError, AttributeError) as err:
        check_error(err)
        return
    if not nan_allowed and isinstance(out, tn.Tensor) and out.dtype.kind == "f":
        assert not np.isnan(out.data).any(), "a NaN from data that had none"


def _tensor(data):
    return tn.Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


# ---- the registry cases: wrong shapes, NaN, inf, out-of-domain values ------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@SETTINGS
@given(data=st.data())
def test_registered_ops_with_a_wrong_shape_or_a_non_finite_value(case, data):
    inputs = case.inputs()
    i = data.draw(st.integers(0, len(inputs) - 1), label="input")
    kind = data.draw(st.sampled_from(["shape", "nan", "inf", "-inf", "outside"]), label="kind")
    nan_allowed = kind == "nan" or kind.endswith("inf")        # inf - inf may give NaN, as in numpy
    if kind == "shape":
        shape = data.draw(shapes, label="shape")
        inputs[i] = _tensor(np.random.default_rng(0).standard_normal(shape))
    elif kind == "outside":                                   # normal data: negative values too
        inputs[i] = _tensor(np.random.default_rng(1).standard_normal(inputs[i].shape) * 3)
    elif inputs[i].size:
        values = inputs[i].data.copy()
        values.flat[data.draw(st.integers(0, values.size - 1), label="at")] = float(kind)
        inputs[i] = _tensor(values)
    run(lambda: case.fn(*inputs), nan_allowed)


# ---- data that is not numbers, through every entry point ------------------------------------------
BAD = {
    "None in a list": [[1.0, None], [2.0, 3.0]],
    "object array": np.array([[1.0, None], [2.0, 3.0]], dtype=object),
    "strings": np.array([["a", "b"], ["c", "d"]]),
    "string list": [["1", "2"], ["3", "4"]],
    "complex": np.array([[1 + 2j, 0], [1, 1]]),
    "None": None,
    "a string": "ab",
}
EXTRA = {"reshape": (4,), "view": (4,), "permute": (1, 0), "expand": (2, 2), "pad": (((1, 1), (0, 0)),),
         "pow": (2.0,), "maximum": (0.0,), "minimum": (0.0,), "matmul": (np.ones(2),)}
x22 = tn.ones(2, 2)
ENTRIES = {f"ops.{name}": (lambda fn, name: lambda bad: fn(bad, *EXTRA.get(name, ())))(fn, name)
           for name, fn in ops.METHODS.items()}
ENTRIES.update({
    "add (right)": lambda bad: x22 + bad, "sub (left)": lambda bad: bad - x22, "mul": lambda bad: x22 * bad,
    "div": lambda bad: bad / x22, "matmul (right)": lambda bad: x22 @ bad, "where": lambda bad: tn.where(
        np.ones((2, 2), bool), bad, x22), "concat": lambda bad: tn.concat([x22, bad]),
    "tensor": lambda bad: tn.tensor(bad), "Tensor": lambda bad: tn.Tensor(bad),
    "Linear": lambda bad: nn.Linear(2, 2)(bad), "Maxout": lambda bad: nn.Maxout(2, 2)(bad),
    "linear": lambda bad: F.linear(bad, tn.ones(2, 2)), "dropout": lambda bad: F.dropout(bad, 0.5),
    "Conv2d": lambda bad: nn.Conv2d(1, 1, 1)(bad), "max_pool2d": lambda bad: F.max_pool2d(bad, 1),
    "avg_pool2d": lambda bad: F.avg_pool2d(bad, 1), "adaptive": lambda bad: F.adaptive_avg_pool2d(bad, 1),
    "softmax": lambda bad: F.softmax(bad), "Sequential": lambda bad: nn.Sequential(nn.Linear(2, 1))(bad),
})
for loss in ("mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"):
    ENTRIES[f"{loss} input"] = (lambda fn: lambda bad: fn(bad, np.full((2, 2), 0.5)))(getattr(F, loss))
    ENTRIES[f"{loss} target"] = (lambda fn: lambda bad: fn(tn.full((2, 2), 0.5), bad))(getattr(F, loss))
ENTRIES.update({
    "cross_entropy input": lambda bad: F.cross_entropy(bad, np.array([0, 1])),
    "cross_entropy target": lambda bad: F.cross_entropy(x22, bad),
    "nll_loss target": lambda bad: F.nll_loss(x22, bad),
    "gaussian_nll_loss var": lambda bad: F.gaussian_nll_loss(x22, x22, bad),
    "cross_entropy weight": lambda bad: F.cross_entropy(x22, np.array([0, 1]), weight=bad),
})


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize("entry", ENTRIES.values(), ids=ENTRIES.keys())
def test_data_that_is_not_numbers_is_refused_by_name(entry, bad):
    if bad is None and entry is ENTRIES["cross_entropy weight"]:
        return                                                # weight=None is the default: no weights
    with pytest.raises((TypeError, ValueError)) as info:
        entry(bad)
    check_error(info.value)


# ---- axes ------------------------------------------------------------------------------------------
AXIS_OPS = {name: fn for name, fn in ops.METHODS.items()       # a Function's apply: its forward's parameters
            if {"axis", "dim0", "start_dim"} & set(inspect.signature(getattr(fn, "__self__", fn).__dict__.get(
                "forward", fn) if hasattr(fn, "__self__") else fn).parameters)}
AXIS_OPS.update({"concat": lambda x, axis: tn.concat([x, x], axis=axis),
                 "stack": lambda x, axis: tn.stack([x, x], axis=axis)})
assert {"sum", "mean", "max", "min", "var", "std", "logsumexp", "softmax", "log_softmax", "squeeze", "unsqueeze",
        "flatten", "transpose"} <= set(AXIS_OPS)


@pytest.mark.parametrize("name", sorted(AXIS_OPS))
@SETTINGS
@given(shape=st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple), axis=st.integers(-5, 5),
       other=st.integers(-5, 5))
def test_every_axis_is_checked(name, shape, axis, other):
    x = tn.randn(*shape) if shape else tn.tensor(1.5)
    fn = AXIS_OPS[name]
    call = (lambda: fn(x, axis, other)) if name == "transpose" else (lambda: fn(x, axis))
    extra = 1 if name in ("unsqueeze", "stack") else 0
    limit = max(x.ndim + extra, 1)
    in_range = -limit <= axis < limit and (name != "transpose" or -limit <= other < limit)
    if in_range:
        run(call, nan_allowed=False)
    else:
        with pytest.raises(IndexError, match=rf"^{name}: dimension out of range \(axis -?\d for a tensor of shape"):
            call()


@pytest.mark.parametrize("name", ["sum", "mean", "max", "var", "logsumexp"])
def test_repeated_or_non_integer_axes_are_refused_by_name(name):
    x = tn.randn(2, 3)
    with pytest.raises(ValueError, match=f"{name}: an axis appears twice"):
        getattr(x, name)(axis=(1, -1))
    with pytest.raises(TypeError, match=f"{name}: an axis must be an int, got 1.5"):
        getattr(x, name)(axis=1.5)
