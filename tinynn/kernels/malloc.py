"""Let glibc keep freed large arrays for reuse, instead of handing them back to the OS every step.

Why: a training step allocates the same large arrays every step (activations, gradients, products)
and frees them at its end. glibc's malloc serves blocks of M_MMAP_THRESHOLD bytes or more with a
fresh mmap() each time (128 KB at start, raised to the largest block freed, up to 32 MB), and gives
free space at the top of its heap back to the OS once it exceeds M_TRIM_THRESHOLD (twice that). When
a step's arrays are freed together, the free space exceeds it, the heap shrinks, and the next step
grows it again: every 4 KB page is then a page fault (zeroed memory from the kernel). Measured alone
in a fresh process (benchmarks/alone.py): SUSY MLP batch 1024 870-970 faults per step, φ⁴ CNN batch 64
1768; with the settings below 0, and the steps faster: SUSY 7.4-8.4 -> 3.9-4.9 ms, φ⁴ 13-15 -> 10-12 ms
(1 thread), SUSY 8.1 -> 4.6 ms and φ⁴ 13.7 -> 8.8 ms (2 threads).

What: an opt-in. `tinynn.kernels.malloc.keep_freed_memory()` (the benchmarks call it first thing;
`import tinynn` itself changes nothing in the process) calls, on glibc (Linux), mallopt(M_MMAP_THRESHOLD, 32 MB) and
mallopt(M_TRIM_THRESHOLD, 64 MB) - the values glibc's own adaptive rule ends at, set from the
start. Blocks up to 32 MB then come from the heap and are reused; the process keeps up to 64 MB of
freed memory for the next step. (M_TOP_PAD alone, also tried, fixes the mmap threshold at 128 KB
and so made a large convolution fault more, 525 faults per call.)

It affects the whole process (the allocations of every library in it), which is why it is not done
on import. Malloc settings of your own (MALLOC_MMAP_THRESHOLD_ and friends, GLIBC_TUNABLES=glibc.malloc...)
are left alone, and so is a process with TINYNN_NO_MALLOPT=1. On other C libraries (macOS, Windows,
musl) nothing is done.
"""
import os

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # mallopt parameter numbers, from glibc's malloc.h
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")


def is_glibc():
    """True when this process runs on GNU libc (os.confstr knows its version only there)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):     # no confstr (Windows), or not glibc (macOS, musl)
        return False


def keep_freed_memory():
    """Set glibc's mmap and trim thresholds (see the module docstring); True if they were set."""
    if os.environ.get("TINYNN_NO_MALLOPT", "") not in ("", "0") or not is_glibc():
        return False
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if any(name in os.environ for name in _USER_SETTINGS) or "glibc.malloc." in tunables:
        return False                                 # the user tuned malloc: their settings win
    import ctypes
    libc = ctypes.CDLL(None)                         # the running process, whose symbols include glibc's
    mmap_set = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    trim_set = libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return mmap_set == 1 and trim_set == 1
