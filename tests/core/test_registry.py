"""Gradcheck every registered op/layer/loss, and make sure nothing differentiable is left unregistered."""
import pytest

from registry import all_cases, all_functions
from tinynn import gradcheck
from tinynn.graph import topo_sort

CASES = all_cases()


@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradcheck(case, transposed):
    assert gradcheck(case.fn, case.inputs(transposed=transposed), **case.kwargs)


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


def test_every_function_is_registered():
    """Run each case once and collect the Function classes in its graph; all must be covered."""
    used = set()
    for case in CASES:
        out = case.fn(*case.inputs())
        for node in topo_sort(out, lambda t: t._ctx.parents if t._ctx else ()):
            if node._ctx is not None:
                used.add(type(node._ctx))
    missing = sorted(f"{f.__module__}.{f.__name__}" for f in all_functions() - used)
    assert not missing, f"Function(s) with no gradcheck case in tests/core/cases_*.py: {missing}"
