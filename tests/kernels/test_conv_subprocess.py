"""Fresh processes: the numba kernels run with NUMBA_DISABLE_JIT=1 (as plain Python, so a learner can
step through them), a second process loads them from numba's cache instead of compiling, and backend
'auto' starts on numpy, loads numba on a background thread and switches without changing a bit, also
across fork(), two threads, interpreter exit and a broken numba."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np


# A tiny forward/backward through every kernel on the backend given by argv[1]; prints the gradients.
SCRIPT = """
import json, sys
import numpy as np
import tinynn as tn, tinynn.functional as F
from tinynn.kernels import numba_status, resolve, use_backend
rng = np.random.default_rng(0)
x = tn.Tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
w = tn.Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
with use_backend(sys.argv[1]):
    y = F.conv2d(x, w, padding=1, stride=(2, 1)).sum() + F.max_pool2d(x, 2).sum() + F.avg_pool2d(x, 2, 1).sum()
    y.backward()
print(json.dumps(dict(auto=resolve("auto"), status=numba_status(), gx=x.grad.tolist(), gw=w.grad.tolist())))
"""


def run(backend, **env):
    out = subprocess.run([sys.executable, "-c", SCRIPT, backend], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, **env))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_kernels_run_with_the_jit_disabled():
    result = run("numba", NUMBA_DISABLE_JIT="1")
    assert result["auto"] == "numpy" and result["status"] == "disabled"   # 'auto' avoids the Python-level kernels
    reference = run("reference")
    assert np.allclose(result["gx"], reference["gx"], rtol=0, atol=1e-12)
    assert np.allclose(result["gw"], reference["gw"], rtol=0, atol=1e-12)


CACHE_CHECK = """
import json
import numpy as np
import tinynn as tn, tinynn.functional as F
from tinynn.kernels import numba_im2col, numba_pool, use_backend
x = tn.Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
with use_backend("numba"):
    (F.conv2d(x, tn.Tensor(np.ones((1, 1, 2, 2)))).sum() + F.max_pool2d(x, 2).sum()).backward()
kernels = list(numba_im2col.NUMBA_KERNELS) + list(numba_pool.NUMBA_KERNELS[:2])
print(json.dumps([[sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values())] for k in kernels]))
"""


def test_second_process_loads_kernels_from_the_cache():
    """This process compiles (or loads) the kernels and writes the cache; a new one must only load them."""
    exec(CACHE_CHECK, {})
    out = subprocess.run([sys.executable, "-c", CACHE_CHECK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    hits_misses = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(hits >= 1 and misses == 0 for hits, misses in hits_misses), hits_misses


def run_script(code, **env):
    """Run `code` in a fresh interpreter; its last stdout line is JSON."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=180,
                         env=dict(os.environ, **env))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


# One training-like step through conv, max and average pooling and Adam; returns all results as bytes.
TIERS_COMMON = """
import contextlib, json, os, sys, threading, time
import numpy as np
import tinynn as tn, tinynn.functional as F, tinynn.optim as optim
from tinynn.kernels import numba_status, resolve, use_backend, wait_for_numba
rng = np.random.default_rng(0)
X, W = rng.standard_normal((3, 2, 9, 8)).astype(np.float32), rng.standard_normal((4, 2, 3, 3)).astype(np.float32)

def step(backend=None):
    x, w = tn.Tensor(X, requires_grad=True), tn.Tensor(W.copy(), requires_grad=True)
    with use_backend(backend) if backend else contextlib.nullcontext():
        y = F.conv2d(x, w, padding=1, stride=(2, 1))
        loss = (y * y).sum() + F.max_pool2d(x, 3, 2).sum() + (F.avg_pool2d(x, 2, 1) ** 2).sum()
        loss.backward()
        optim.Adam([w], lr=0.1).step()
    return b"".join(a.tobytes() for a in (y.data, x.grad, w.data))
"""

TIERS = TIERS_COMMON + """
def reap(pid, deadline):
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return "hung"

result = dict(numba_at_import="numba" in sys.modules)
first = step()
result.update(first_tier=resolve(), fork_status=[])
children = []                          # fork while the warm-up runs: the child must neither hang nor differ
for delay, check in ((0.0, "auto"), (0.3, "numba"), (0.0, "exit")):
    time.sleep(delay)
    result["fork_status"].append(numba_status())
    pid = os.fork()
    if pid == 0:
        if check == "auto":            # on numpy, then its own warm-up (the parent's thread is not here)
            os._exit(0 if step() == first and wait_for_numba(120) and step() == first else 1)
        if check == "numba":           # numba forced at once
            os._exit(0 if step("numba") == first else 1)
        step()                         # 'exit': leave (normally) while this child's warm-up runs
        sys.exit(0)
    children.append(pid)
same = []                              # two threads at once, one forcing numba, one on 'auto'
threads = [threading.Thread(target=lambda b=b: same.append(step(b) == first)) for b in ("numba", None)]
for t in threads:
    t.start()
for t in threads:
    t.join()
result.update(threads_same=same, ready=wait_for_numba(120), tier=resolve(), after_same=step() == first)
deadline = time.monotonic() + 120
result["children"] = [reap(pid, deadline) for pid in children]
print(json.dumps(result))
"""


def test_auto_starts_on_numpy_and_switches_to_numba_without_changing_a_bit():
    result, stderr = run_script(TIERS)
    assert not result["numba_at_import"] and result["first_tier"] == "numpy"
    assert result["fork_status"][0] == "warming"      # the first fork happened during the warm-up
    assert result["children"] == [0] * 3, stderr       # no child hung, crashed or computed other numbers
    assert result["threads_same"] == [True, True]
    assert result["ready"] and result["tier"] == "numba" and result["after_same"]


BROKEN_NUMBA = TIERS_COMMON + """
first = step()
print(json.dumps(dict(ready=wait_for_numba(60), status=numba_status(), tier=resolve(), same=step() == first)))
"""


def test_a_broken_numba_leaves_auto_on_numpy_with_one_warning(tmp_path):
    (tmp_path / "numba").mkdir()
    (tmp_path / "numba" / "__init__.py").write_text("raise ImportError('this numba is broken')\n")
    result, stderr = run_script(BROKEN_NUMBA, PYTHONPATH=f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    assert result == dict(ready=False, status="failed", tier="numpy", same=True)
    assert stderr.count("RuntimeWarning") == 1 and "this numba is broken" in stderr
