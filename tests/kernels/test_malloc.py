"""tinynn/kernels/malloc.py: an opt-in; on glibc, freed large arrays are then kept for reuse (no page
faults when a step allocates the same arrays again); `import tinynn` alone, the opt-out and other C
libraries leave malloc alone."""
import os
import subprocess
import sys

import pytest

from tinynn.kernels import malloc as _alloc

# A "training step" of 30: eight 1 MB arrays alive at once, then all freed. Print the page faults
# of the last 20 steps. Default glibc heaps them (after the first step), but then finds 8 MB free at
# the top of the heap, more than its trim threshold (2 MB, twice the largest block freed), and gives
# it back to the OS: every step faults its 2048 pages in again. With tinynn's settings it keeps them.
REPEATED_STEP = """
import resource
import sys
import numpy as np
import tinynn
if sys.argv[1:] == ["opt-in"]:
    import tinynn.kernels.malloc
    tinynn.kernels.malloc.keep_freed_memory()
for step in range(30):
    if step == 10:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.full(1 << 18, 1.0, dtype=np.float32) for _ in range(8)]
    del arrays
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(*args, **env):
    environ = {k: v for k, v in os.environ.items() if k not in _alloc._USER_SETTINGS + ("TINYNN_NO_MALLOPT",)}
    out = subprocess.run([sys.executable, "-c", REPEATED_STEP, *args], env={**environ, **env}, capture_output=True,
                         text=True, check=True)
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not _alloc.is_glibc(), reason="the malloc settings exist only in glibc")
def test_glibc_keeps_a_freed_array_for_the_next_one():
    assert _faults("opt-in") < 100                             # 20 steps: a few stray faults at most
    assert _faults("opt-in", TINYNN_NO_MALLOPT="1") > 20 * 1500  # glibc's default: ~2048 faults per step
    assert _faults() > 20 * 1500                               # import tinynn alone changes nothing


def test_opt_out_and_other_c_libraries_do_nothing(monkeypatch):
    monkeypatch.setenv("TINYNN_NO_MALLOPT", "1")
    assert _alloc.keep_freed_memory() is False
    monkeypatch.delenv("TINYNN_NO_MALLOPT")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000000")       # the user's own setting wins
    assert _alloc.keep_freed_memory() is False
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")

    def not_glibc(name):
        raise ValueError("unrecognized configuration name")       # what macOS and musl say
    monkeypatch.setattr(os, "confstr", not_glibc)
    assert _alloc.is_glibc() is False and _alloc.keep_freed_memory() is False
    monkeypatch.delattr(os, "confstr")                            # Windows has no confstr
    assert _alloc.is_glibc() is False
