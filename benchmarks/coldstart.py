"""Workload 8, cold start: what a user waits for before the first step, each measured in a fresh process.

- `import tinynn`, beside `import numpy` (which it needs, so its floor) and `import torch`;
- the first convolution call (Conv2d forward and backward) in a new process:
  - with backend 'auto', the default: it runs the numpy twins while a background thread loads numba
    and the kernels (tinynn/kernels/warmup.py); also how long until numba is ready in the background;
  - with TINYNN_BACKEND=numba forced: numba's own start-up (importing numba, loading each kernel);
  - both with numba's cache filled (the usual case after the first run) and empty (the first run
    ever: numba compiles the kernels), the empty cache being a fresh NUMBA_CACHE_DIR;
- numba's floor: the first call of a trivial cached @njit kernel, which no numba kernel can beat.
"""
import os
import statistics
import subprocess
import sys
import tempfile

from report import absolute_row

IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

# The first call of Conv2d (forward and backward) after the imports (not counted), then the time from
# that call's start until numba is ready (wait_for_numba: at once when numba was forced). BLAS is
# limited to the run's thread count with threadpoolctl, numba by its own NUMBA_NUM_THREADS.
FIRST_CONV = """
import time
import numpy as np
import threadpoolctl
import tinynn, tinynn.nn as nn
from tinynn.kernels import wait_for_numba
threadpoolctl.threadpool_limits({threads})
conv = nn.Conv2d(8, 8, 3, padding=1)
x = tinynn.Tensor(np.ones((2, 8, 16, 16), np.float32), requires_grad=True)
t = time.perf_counter()
conv(x).sum().backward()
first = time.perf_counter() - t
assert wait_for_numba(600), "numba did not load"
print(first, time.perf_counter() - t)
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
    """Run `code` in a fresh interpreter and return the floats of its last line."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"cold-start measurement failed:\n{out.stderr.strip()[-2000:]}")
    return [float(v) for v in out.stdout.strip().splitlines()[-1].split()]


def _median(code, repeats, env=None):
    """Median over `repeats` fresh processes of each float the code prints."""
    runs = [_seconds(code, env) for _ in range(repeats)]
    return [statistics.median(column) for column in zip(*runs)]


def has_conv():
    import tinynn.nn as nn
    return hasattr(nn, "Conv2d")


def _first_conv(repeats, threads):
    """{(backend, cache): (first call, numba ready)} for 'auto' and forced 'numba', empty and filled cache."""
    times, code = {}, FIRST_CONV.format(threads=int(threads))
    for backend in ("auto", "numba"):
        with tempfile.TemporaryDirectory(prefix="tinynn-numba-cache-") as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache, TINYNN_BACKEND=backend, NUMBA_NUM_THREADS=str(threads))
            times[backend, "empty"] = _seconds(code, env)
            times[backend, "filled"] = _median(code, repeats, env)
    return times


def _trivial_kernel(repeats):
    """The first call of a trivial cached @njit kernel (numba imported before), median over fresh processes."""
    with tempfile.TemporaryDirectory(prefix="tinynn-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        with open(os.path.join(cache, "trivial_kernel.py"), "w") as f:
            f.write(TRIVIAL_KERNEL)
        code = FIRST_TRIVIAL.format(folder=cache)
        _seconds(code, env)
        return _median(code, repeats, env)[0]


def cold_start(cfg):
    """Rows for workload 8 (absolute targets: import ≤ 0.5 s, first cached conv call ≤ 0.3 s)."""
    repeats = 1 if cfg.quick else 5
    seconds = _median(IMPORT.format(module="tinynn"), repeats)[0]
    numpy_import = _median(IMPORT.format(module="numpy"), repeats)[0]
    rows = [absolute_row("import", "cold start: import tinynn", seconds, 0.5, reference="import numpy",
                         reference_time=numpy_import)]
    if cfg.torch is not None:
        rows.append(absolute_row("import", "cold start: import tinynn", seconds, None, reference="import torch",
                                 reference_time=_median(IMPORT.format(module="torch"), repeats)[0]))
    training = _median(IMPORT.format(module="tinynn, tinynn.nn, tinynn.optim"), repeats)[0]
    rows.append(absolute_row("import_nn", "cold start: import tinynn, tinynn.nn, tinynn.optim (a training script)",
                             training, 0.5, reference="import numpy", reference_time=numpy_import))
    if not has_conv() or cfg.quick:
        return rows
    t = _first_conv(repeats, cfg.threads)
    floor = _trivial_kernel(repeats)
    rows += [
        absolute_row("first_conv", "cold start: first Conv2d fwd+bwd, backend auto (numpy while numba loads), "
                     "numba cache filled", t["auto", "filled"][0], 0.3, reference="the same, numba forced",
                     reference_time=t["numba", "filled"][0]),
        absolute_row("first_conv_numba", "cold start: first Conv2d fwd+bwd, numba forced, numba cache filled",
                     t["numba", "filled"][0], None, reference="trivial cached numba kernel", reference_time=floor),
        absolute_row("numba_ready", "cold start: numba ready in the background, from the first call on, "
                     "numba cache filled", t["auto", "filled"][1], None),
        absolute_row("first_conv_nocache", "cold start: first Conv2d fwd+bwd, backend auto, empty numba cache",
                     t["auto", "empty"][0], None, reference="the same, numba forced (compiles)",
                     reference_time=t["numba", "empty"][0]),
        absolute_row("numba_ready_nocache", "cold start: numba ready in the background, empty numba cache (the "
                     "first kernel module compiled; the others compile at first use)", t["auto", "empty"][1], None)]
    return rows
