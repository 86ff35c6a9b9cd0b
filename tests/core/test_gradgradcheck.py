"""Second derivatives of every registered op, layer and loss (tests/core/cases_*.py) against finite
differences of their first derivatives (gradgradcheck); the few ops without a double backward must
say so by name when create_graph=True reaches them."""
import pytest

from registry import NO_DOUBLE_BACKWARD, all_cases
from test_registry import paths
from tinynn import gradgradcheck
from tinynn.autograd import grad

CASES = all_cases()
DOUBLE = [c for c in CASES if c.name not in NO_DOUBLE_BACKWARD]
SINGLE = [c for c in CASES if c.name in NO_DOUBLE_BACKWARD]


@pytest.mark.parametrize("which", ["fast", "plain"])
@pytest.mark.parametrize("case", DOUBLE, ids=[c.name for c in DOUBLE])
def test_gradgradcheck(case, which):
    """With the fast paths of tinynn/kernels (as users run it) and without them (the ops' own code)."""
    with paths(which):
        assert gradgradcheck(case.fn, case.inputs(), **case.kwargs)


def test_no_double_backward_is_a_clear_error():
    """Each listed exception raises NotImplementedError naming its op (the list may well be empty)."""
    for case in SINGLE:
        xs = case.inputs()
        out = case.fn(*xs)
        with pytest.raises(NotImplementedError, match=NO_DOUBLE_BACKWARD[case.name]):
            grad(out.sum(), xs, create_graph=True, allow_unused=True)


def test_exceptions_are_registered_cases():
    assert set(NO_DOUBLE_BACKWARD) <= {c.name for c in CASES}
