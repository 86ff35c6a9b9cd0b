"""Which implementation the kernels use: 'reference', 'numpy', 'numba' or 'auto'.

The choice comes from, in order: the `backend=` argument of a kernel call, `set_backend(name)` /
`use_backend(name)`, the environment variable TINYNN_BACKEND (read at the first kernel call), and
finally 'auto'. 'numba' means numba now: the first call imports numba and loads the kernel (~0.7 s
with a filled cache). 'auto' means 'numpy' until numba is ready and 'numba' from then on: its first
call starts loading numba on a background thread (tinynn/kernels/warmup.py), so a program starts at
once on the numpy twins, which compute the same bits. With NUMBA_DISABLE_JIT=1 'auto' stays on numpy (the numba kernels
would run as slow Python loops; backend 'numba' still runs them, for stepping through them).
"""
import contextlib
import os

import numpy as np

from .warmup import numba_ready

NAMES = ("auto", "numba", "numpy", "reference")
NUMBA_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))     # what the numba kernels take (numba has no float16)
_chosen = None
_env_choice = None


def check(name):
    if name not in NAMES:
        raise ValueError(f"unknown kernel backend {name!r}; choose one of {NAMES} "
                         "(argument backend=, tinynn.kernels.set_backend, or env TINYNN_BACKEND)")
    return name


def _from_environment():
    """TINYNN_BACKEND (or 'auto'), read once, at the first kernel call: os.environ.get costs ~1 µs, and
    resolve() runs for every kernel call (set_backend changes the backend at run time)."""
    global _env_choice
    if _env_choice is None:
        _env_choice = check(os.environ.get("TINYNN_BACKEND", "auto"))
    return _env_choice


def get_backend():
    """The backend name in force (before 'auto' is resolved)."""
    return _chosen or _from_environment()


def set_backend(name):
    """Use `name` for all kernel calls from now on; None goes back to TINYNN_BACKEND / 'auto'."""
    global _chosen
    _chosen = None if name is None else check(name)


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


def resolve(name=None, dtype=None):
    """'numba', 'numpy' or 'reference' for a backend name (None: the one in force), for arrays of
    `dtype`: a dtype the numba kernels do not take (float16) runs on the numpy twins."""
    name = name or _chosen or _env_choice or _from_environment()      # per kernel call: kept short
    if name == "auto":
        name = "numba" if numba_ready() else "numpy"
    elif name not in NAMES:
        check(name)
    if name == "numba" and dtype is not None and dtype not in NUMBA_DTYPES:
        return "numpy"
    return name
