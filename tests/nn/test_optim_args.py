"""What an optimiser constructor says when given something other than parameters (a model, a dict...)."""
import numpy as np
import pytest

import tinynn.nn as nn
import tinynn.optim as optim


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
@pytest.mark.parametrize("make, error, message", [
    (lambda m: m, TypeError, r"got the Linear model itself; pass its parameters: \w+\(model.parameters\(\), ...\)"),
    (lambda m: m.state_dict(), TypeError, "a state_dict holds copies of the values, not the parameters"),
    (lambda m: {"params": list(m.parameters())}, TypeError, r"one parameter group: wrap it in a list"),
    (lambda m: m.named_parameters(), TypeError, r"\(name, tensor\) pairs.*pass model.parameters\(\)"),
    (lambda m: 3, TypeError, "params must be an iterable of Tensors .* got int"),
    (lambda m: None, TypeError, "got NoneType"),
], ids=["module", "state_dict", "group-dict", "named", "int", "none"])
def test_constructor_says_what_to_pass(cls, make, error, message):
    model = nn.Linear(3, 2)
    with pytest.raises(error, match=message):
        cls(make(model), lr=0.1)


def test_exhausted_generator_is_explained():
    model = nn.Linear(3, 2)
    params = model.parameters()
    optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="exhausted generator"):
        optim.SGD(params, lr=0.1)
    opt = optim.SGD(list(model.parameters()), lr=0.1)       # the right call still works
    assert len(opt.param_groups[0]["params"]) == 2 and np.isfinite(model.weight.data).all()
