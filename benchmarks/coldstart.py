"""Workload 8, cold start: what a user waits for before the first step, each measured in a fresh process.

- `import tinynn`, beside `import numpy` (which it needs, so its floor) and `import torch`;
- the first convolution call in a new process, with the numba cache already filled (the usual case
  after the first run) and with an empty cache (the first run ever: numba compiles the kernels).
The empty/filled cache is a fresh NUMBA_CACHE_DIR: the first process compiles and fills it, the
following processes load from it. For comparison, the same first call with the numpy kernels
(TINYNN_BACKEND=numpy), and the imports of a training script (tinynn.nn loads numba).
"""
import os
import statistics
import subprocess
import sys
import tempfile

from report import absolute_row

IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

# The first call of Conv2d (forward and backward) after the imports; the imports are not counted.
FIRST_CONV = """
import time
import numpy as np
import tinynn, tinynn.nn as nn
conv = nn.Conv2d(8, 8, 3, padding=1)
x = tinynn.Tensor(np.ones((2, 8, 16, 16), np.float32), requires_grad=True)
t = time.perf_counter()
conv(x).sum().backward()
print(time.perf_counter() - t)
"""


# The floor of any cached numba kernel: the first call of a trivial one (numba initialises itself then).
TRIVIAL_KERNEL = """
from numba import njit
@njit(cache=True)
def total(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i]
    return s
"""
FIRST_TRIVIAL = """
import sys, time
import numpy as np
sys.path.insert(0, {folder!r})
import trivial_kernel
t = time.perf_counter()
trivial_kernel.total(np.ones(4))
print(time.perf_counter() - t)
"""


def _seconds(code, env=None):
    """Run `code` in a fresh interpreter and return the float it prints last."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"cold-start measurement failed:\n{out.stderr.strip()[-2000:]}")
    return float(out.stdout.split()[-1])


def _median(code, repeats, env=None):
    return statistics.median(_seconds(code, env) for _ in range(repeats))


def has_conv():
    import tinynn.nn as nn
    return hasattr(nn, "Conv2d")


def cold_start(cfg):
    """Rows for workload 8 (absolute targets: import ≤ 0.5 s, first cached conv call ≤ 0.3 s)."""
    repeats = 1 if cfg.quick else 5
    seconds = _median(IMPORT.format(module="tinynn"), repeats)
    rows = [absolute_row("import", "cold start: import tinynn", seconds, 0.5, reference="import numpy",
                         reference_time=_median(IMPORT.format(module="numpy"), repeats))]
    if cfg.torch is not None:
        rows.append(absolute_row("import", "cold start: import tinynn", seconds, None, reference="import torch",
                                 reference_time=_median(IMPORT.format(module="torch"), repeats)))
    training = _median(IMPORT.format(module="tinynn, tinynn.nn, tinynn.optim"), repeats)
    rows.append(absolute_row("import_nn", "cold start: import tinynn, tinynn.nn, tinynn.optim (a training script)",
                             training, 0.5, reference="import numpy", reference_time=rows[0]["reference_time"]))
    if not has_conv() or cfg.quick:
        return rows
    with tempfile.TemporaryDirectory(prefix="tinynn-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        compiled = _seconds(FIRST_CONV, env)
        cached = _median(FIRST_CONV, repeats, env)
        with open(os.path.join(cache, "trivial_kernel.py"), "w") as f:
            f.write(TRIVIAL_KERNEL)
        trivial = FIRST_TRIVIAL.format(folder=cache)
        _seconds(trivial, env)
        floor = _median(trivial, repeats, env)
    rows.append(absolute_row("first_conv", "cold start: first Conv2d fwd+bwd, numba cache filled", cached, 0.3,
                             reference="trivial cached numba kernel", reference_time=floor))
    rows.append(absolute_row("first_conv_nocache", "cold start: first Conv2d fwd+bwd, empty numba cache",
                             compiled, None))
    numpy_kernels = _median(FIRST_CONV, repeats, dict(os.environ, TINYNN_BACKEND="numpy"))
    rows.append(absolute_row("first_conv_numpy", "cold start: first Conv2d fwd+bwd, numpy kernels (no numba)",
                             numpy_kernels, None))
    return rows
