"""Fresh processes: the numba kernels run with NUMBA_DISABLE_JIT=1 (as plain Python, so a learner can
step through them), and a second process loads them from numba's cache instead of compiling."""
import json
import os
import subprocess
import sys

import numpy as np


# A tiny forward/backward through every kernel on the backend given by argv[1]; prints the gradients.
SCRIPT = """
import json, sys
import numpy as np
import tinynn as tn, tinynn.functional as F
from tinynn.kernels import resolve, use_backend
rng = np.random.default_rng(0)
x = tn.Tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
w = tn.Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
with use_backend(sys.argv[1]):
    y = F.conv2d(x, w, padding=1, stride=(2, 1)).sum() + F.max_pool2d(x, 2).sum() + F.avg_pool2d(x, 2, 1).sum()
    y.backward()
print(json.dumps(dict(auto=resolve("auto"), gx=x.grad.tolist(), gw=w.grad.tolist())))
"""


def run(backend, **env):
    out = subprocess.run([sys.executable, "-c", SCRIPT, backend], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, **env))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_kernels_run_with_the_jit_disabled():
    result = run("numba", NUMBA_DISABLE_JIT="1")
    assert result["auto"] == "numpy"                 # 'auto' avoids the (now slow) Python-level kernels
    reference = run("reference")
    assert np.allclose(result["gx"], reference["gx"], rtol=0, atol=1e-12)
    assert np.allclose(result["gw"], reference["gw"], rtol=0, atol=1e-12)


CACHE_CHECK = """
import json
import numpy as np
import tinynn as tn, tinynn.functional as F
from tinynn.kernels import im2col, pool, use_backend
x = tn.Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
with use_backend("numba"):
    (F.conv2d(x, tn.Tensor(np.ones((1, 1, 2, 2)))).sum() + F.max_pool2d(x, 2).sum()).backward()
kernels = [im2col.im2col_numba, im2col.col2im_numba, pool.max_pool_numba, pool.max_unpool_numba]
print(json.dumps([[sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())] for k in kernels]))
"""


def test_second_process_loads_kernels_from_the_cache():
    """This process compiles (or loads) the kernels and writes the cache; a new one must only load them."""
    exec(CACHE_CHECK, {})
    out = subprocess.run([sys.executable, "-c", CACHE_CHECK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    hits_misses = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(hits >= 1 and misses == 0 for hits, misses in hits_misses), hits_misses
