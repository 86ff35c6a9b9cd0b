"""The gradcheck registry: every differentiable op, layer and loss is listed once as a `Case`.

Cases live in `tests/core/cases_*.py` (one file per area, each with a `CASES` list). `test_registry.py`
gradchecks every case, with contiguous and with transposed (non-contiguous) inputs, and fails if
any `Function` subclass in tinynn is not exercised by some case.
"""
import importlib
import pathlib
import pkgutil
from dataclasses import dataclass, field

import numpy as np

import tinynn
from tinynn.function import Function

DOMAINS = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
    "away0": lambda rng, shape: rng.choice([-1, 1], shape) * rng.uniform(0.2, 2.0, shape),
}


# case name -> the op named in the error raised when create_graph=True reaches it. Keep this list short.
NO_DOUBLE_BACKWARD = {}


@dataclass
class Case:
    """fn(*tensors) -> Tensor, with one input per spec: a shape, or (shape, domain name)."""
    name: str
    fn: callable
    specs: list
    kwargs: dict = field(default_factory=dict)  # passed to gradcheck (e.g. fast_mode, atol)

    def inputs(self, seed=0, transposed=False, dtype=np.float64):
        rng = np.random.default_rng(seed)
        out = []
        for spec in self.specs:
            shape, domain = spec if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], str) \
                else (spec, "real")
            if transposed and len(shape) >= 2:
                data = DOMAINS[domain](rng, shape[::-1]).astype(dtype).T   # a non-contiguous view
            else:
                data = DOMAINS[domain](rng, shape).astype(dtype)
            out.append(tinynn.Tensor(data, requires_grad=True))
        return out


def all_cases():
    cases = []
    for path in sorted(pathlib.Path(__file__).parent.glob("cases_*.py")):
        cases += importlib.import_module(path.stem).CASES
    return cases


def all_functions():
    """Every Function subclass defined anywhere in the tinynn package."""
    for info in pkgutil.walk_packages(tinynn.__path__, "tinynn."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return {f for f in found if f.__module__.startswith("tinynn.")}      # not the tests' own Functions
