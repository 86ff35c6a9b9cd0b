"""Gradcheck every registered op/layer/loss, and make sure nothing differentiable is left unregistered.

Each case runs twice: with the fast paths of tinynn/kernels (as users run it) and without them, on the
ops' own numpy code (the math a reader reads), so both are gradchecked.
"""
import contextlib

import pytest

from registry import all_cases, all_functions
from tinynn import gradcheck
from tinynn.function import fast_paths
from tinynn.graph import topo_sort

CASES = all_cases()


@contextlib.contextmanager
def paths(which):
    """'fast': as installed; 'plain': the table emptied for the block."""
    saved = dict(fast_paths)
    if which == "plain":
        fast_paths.clear()
    try:
        yield
    finally:
        fast_paths.update(saved)


@pytest.mark.parametrize("which", ["fast", "plain"])
@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradcheck(case, transposed, which):
    with paths(which):
        assert gradcheck(case.fn, case.inputs(transposed=transposed), **case.kwargs)


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


def test_every_function_is_registered():
    """Run each case once and collect the Function classes in its graph; all must be covered."""
    used = set()
    for case in CASES:
        for which in ("fast", "plain"):
            with paths(which):
                out = case.fn(*case.inputs())
            for node in topo_sort(out, lambda t: t._ctx.parents if t._ctx else ()):
                if node._ctx is not None:
                    used.add(type(node._ctx))
    missing = sorted(f"{f.__module__}.{f.__name__}" for f in all_functions() - used)
    assert not missing, f"Function(s) with no gradcheck case in tests/core/cases_*.py: {missing}"
