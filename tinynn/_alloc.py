"""Let glibc keep freed large arrays for reuse, instead of handing them back to the OS every step.

Why: a training step allocates the same large arrays every step (activations, gradients, products).
glibc's malloc serves a block of M_MMAP_THRESHOLD bytes or more (128 KB at start; raised to the
size of each big block freed, up to 32 MB) with a fresh mmap() and unmaps it on free, and gives free
heap space above M_TRIM_THRESHOLD back to the OS. A block of the same size as the one just freed
therefore comes back as fresh pages, and touching them costs a page fault per 4 KB. Measured alone in
a fresh process (benchmarks/alone.py, 1 thread): SUSY MLP batch 1024 868 faults per step, φ⁴ CNN
batch 64 1760 faults per step; with the settings below 0 faults, and the steps 1.6-2.4x faster.

What: on glibc (Linux), `import tinynn` calls mallopt(M_MMAP_THRESHOLD, 32 MB) and
mallopt(M_TRIM_THRESHOLD, 64 MB) - the values glibc's own adaptive rule ends at, set from the
start. Blocks up to 32 MB then come from the heap and are reused; the process keeps up to 64 MB of
freed memory for the next step. (M_TOP_PAD alone, also tried, fixes the mmap threshold at 128 KB
and so made a large convolution fault more, 525 faults per call.)

Opt out with TINYNN_NO_MALLOPT=1. Malloc settings of your own (MALLOC_MMAP_THRESHOLD_ and friends,
GLIBC_TUNABLES=glibc.malloc...) are left alone. On other C libraries (macOS, Windows, musl) nothing
is done.
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
