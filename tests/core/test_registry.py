"""Gradcheck every registered op/layer/loss, and make sure nothing differentiable is left unregistered.

Each case runs twice: with the fast paths of tinynn/kernels (as users run it) and without them, on the
ops' own numpy code (the math a reader reads), so both are gradchecked.
"""
import contextlib

import numpy as np
import pytest

from registry import NO_DOUBLE_BACKWARD, all_cases, all_functions
from tinynn import Tensor, gradcheck
from tinynn.autograd import grad
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
    """Run each case once and collect the Function classes in its graph and in the graph of its first
    derivative (the ops a backward uses, e.g. ScatterAdd for indexing); all must be covered."""
    used = set()
    for case in CASES:
        for which in ("fast", "plain"):
            with paths(which):
                xs = case.inputs()
                out = case.fn(*xs)
                roots = [out]
                if case.name not in NO_DOUBLE_BACKWARD:
                    v = Tensor(np.ones(out.shape), requires_grad=True)      # so the backward's ops are recorded
                    roots += [g for g in grad(out, xs, v, create_graph=True, allow_unused=True) if g is not None]
            for root in roots:
                for node in topo_sort(root, lambda t: t._ctx.parents if t._ctx else ()):
                    if node._ctx is not None:
                        used.add(type(node._ctx))
    missing = sorted(f"{f.__module__}.{f.__name__}" for f in all_functions() - used)
    assert not missing, f"Function(s) with no gradcheck case in tests/core/cases_*.py: {missing}"
