"""Which implementation the kernels use: 'reference', 'numpy', 'numba' or 'auto'.

The choice comes from, in order: the `backend=` argument of a kernel call, `set_backend(name)` /
`use_backend(name)`, the environment variable TINYNN_BACKEND, and finally 'auto', which means
'numba' unless numba's JIT is disabled (NUMBA_DISABLE_JIT=1: then the numba kernels would run as
slow Python loops, so 'auto' takes the numpy path instead). numba's setting is read when 'auto'
is first resolved, i.e. at the first kernel call: importing numba takes ~0.4 s, which
`import tinynn` should not pay.
"""
import contextlib
import os

NAMES = ("auto", "numba", "numpy", "reference")
_chosen = None


def _check(name):
    if name not in NAMES:
        raise ValueError(f"unknown kernel backend {name!r}; choose one of {NAMES} "
                         "(argument backend=, tinynn.kernels.set_backend, or env TINYNN_BACKEND)")
    return name


def get_backend():
    """The backend name in force (before 'auto' is resolved)."""
    return _chosen or _check(os.environ.get("TINYNN_BACKEND", "auto"))


def set_backend(name):
    """Use `name` for all kernel calls from now on; None goes back to TINYNN_BACKEND / 'auto'."""
    global _chosen
    _chosen = None if name is None else _check(name)


@contextlib.contextmanager
def use_backend(name):
    """Context manager: `with use_backend('reference'): ...` runs the block on that backend."""
    global _chosen
    previous = _chosen
    set_backend(name)
    try:
        yield
    finally:
        _chosen = previous


def resolve(name=None):
    """'numba', 'numpy' or 'reference' for a backend name (None: the one in force)."""
    name = get_backend() if name is None else _check(name)
    if name == "auto":
        from numba.core import config        # imported here, on first use (see the module docstring)
        return "numpy" if config.DISABLE_JIT else "numba"
    return name
