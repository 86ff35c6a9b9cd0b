"""The numba tier: numba and its kernels are loaded on a background thread while the numpy twins run.

Why: the first call of a numba kernel costs ~0.7 s even when numba's cache holds it (importing
numba pulls in scipy.linalg and fills numba's typing registries; measured with cProfile), more than
a whole first training step on the numpy kernels. So 'auto' starts the way a JIT runtime starts
with its interpreter: the first kernel call that would want numba starts a daemon thread that
imports numba and every module of NUMBA_MODULES and calls the module's `warm()` (each kernel once
on tiny float32 and float64 arrays, which loads it from numba's cache). Until that is done 'auto'
means 'numpy', afterwards 'numba' (tinynn/kernels/backend.py asks `numba_ready()`).

This is safe only because the tiers agree to the last bit: every numba kernel adds in the same order
as its numpy twin (tests/kernels/test_kernels_tiers.py checks each pair for equality), so the moment of the
switch never changes a result. The price: the thread mostly runs Python (imports, numba's typing),
so it shares the GIL and the CPU with the program. Measured on 2 busy cores, a training loop's numpy
steps ran 2-2.5x slower while it loaded (MNIST CNN 170 -> 330 ms, φ⁴ CNN 18 -> 46 ms), and loading
took 2.4-5.3 s instead of 1.6-2.7 s; the first call got 40x faster (1.3-1.6 s -> 30-45 ms).

- `wait_for_numba()` blocks until the warm-up is over: for benchmarks and tests, or for a script
  that wants numba from its first step.
- NUMBA_DISABLE_JIT=1: no thread; 'auto' stays on numpy (the kernels would run as Python loops).
- A cold cache (the first run, or a kernel file changed): compiling every kernel took 28 s of CPU
  here, during which training would run on numpy at half speed. So the warm-up stops after the
  first module it had to compile and 'auto' switches to numba; the other kernels are compiled when
  first used, as without a warm-up.
- A failure inside the warm-up (numba missing or broken): 'auto' stays on numpy, with one warning.
- os.fork() while the thread works waits until it finishes its current step (one import, or one
  module's warm(); at most FORK_WAIT seconds), so the child never inherits a half-done import or a
  lock numba holds; the child has no warm-up thread, so it starts its own at its next kernel call.
- The thread is a daemon: it never delays the interpreter's exit.

Every module numba_*.py of this package joins the warm-up (NUMBA_MODULES, found without importing
them); it defines NUMBA_KERNELS (its numba dispatchers) and `warm()`.
"""
import importlib
import os
import pkgutil
import sys
import threading
import warnings

NUMBA_MODULES = tuple(f"tinynn.kernels.{m.name}" for m in pkgutil.iter_modules([os.path.dirname(__file__)])
                      if m.name.startswith("numba_"))                  # every numba_*.py of this package
FORK_WAIT = 60.0        # longest wait of os.fork() for a warm-up step (compiling with an empty cache takes seconds)


def jit_disabled():
    """NUMBA_DISABLE_JIT as numba sees it, without importing numba when it is not loaded yet."""
    config = sys.modules.get("numba.core.config")
    if config is not None and hasattr(config, "DISABLE_JIT"):
        return bool(config.DISABLE_JIT)
    try:
        return int(os.environ.get("NUMBA_DISABLE_JIT", "0")) != 0
    except ValueError:                               # numba ignores a malformed value too
        return False


def numba_kernel(module, name):
    """A stand-in for the numba kernel `name` of the module `module`: its first call imports that
    module (and so numba), every call runs the kernel. Lets the numpy twins' modules name their numba
    kernels without importing numba."""
    kernel = None

    def call(*args):
        nonlocal kernel
        if kernel is None:
            kernel = getattr(importlib.import_module(module), name)
        return kernel(*args)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"The numba kernel {module}.{name}, imported with numba at its first call."
    return call


class Warmup:
    """Loads numba and `modules` on a daemon thread, once per process.

    state: 'cold' (not started), 'warming', 'ready', 'failed' (error holds why) or 'disabled' (JIT off).
    """

    def __init__(self, modules):
        self.modules = tuple(modules)
        self._fresh()
        self._held = self._watching = False

    def _fresh(self, state="cold", error=None):
        self.state, self.error, self._warned, self._thread, self._torn = state, error, False, None, False
        self._lock, self._step, self._done = threading.Lock(), threading.Lock(), threading.Event()
        if state != "cold":
            self._done.set()

    def ready(self):
        """True once numba is loaded; otherwise starts the warm-up (the first time) and returns False."""
        if self.state == "ready":
            return True
        if self.state == "cold":
            self.start()
        elif self.state == "failed" and not self._warned:
            self._warned = True
            warnings.warn(f"tinynn could not load numba ({type(self.error).__name__}: {self.error}); "
                          "backend 'auto' keeps the numpy kernels", RuntimeWarning, stacklevel=4)
        return False

    def start(self):
        """Start the warm-up thread unless it ran already (or the JIT is disabled)."""
        with self._lock:
            if self.state != "cold":
                return
            if jit_disabled():
                self.state = "disabled"
                self._done.set()
                return
            self._watch_forks()
            self.state = "warming"
            self._thread = threading.Thread(target=self._run, name="tinynn-numba-warmup", daemon=True)
            self._thread.start()

    def wait(self, timeout=None):
        """Start the warm-up if needed and wait for it (at most `timeout` seconds); True if numba is ready."""
        self.start()
        self._done.wait(timeout)
        return self.ready()

    def _run(self):
        """The thread: import numba, then each module and its warm(); one step at a time under _step."""
        try:
            with self._step:
                from numba.core import config            # the slow part: numba itself
            if config.DISABLE_JIT:
                self.state = "disabled"
                return
            for name in self.modules:
                with self._step:
                    module = importlib.import_module(name)
                    module.warm()
                if _compiled(module):
                    break                                 # a cold cache: see the module docstring
            self.state = "ready"
        except Exception as error:                        # noqa: BLE001 - any failure means: stay on numpy
            self.error, self.state = error, "failed"
        finally:
            self._done.set()

    def _watch_forks(self):
        """Register the fork hooks of this warm-up, once, when it first starts.

        Before-fork hooks run in the reverse order of registration, and ours waits for the warm-up
        thread. So a hook that takes a lock the thread needs must be registered before ours, to run after
        it: logging's hook takes logging's lock, which numba's import needs, hence logging is imported first.
        """
        if self._watching or not hasattr(os, "register_at_fork"):
            return
        import logging  # noqa: F401  (see above)
        os.register_at_fork(before=self._before_fork, after_in_parent=self._after_fork_in_parent,
                            after_in_child=self._after_fork_in_child)
        self._watching = True

    def _before_fork(self):
        """Before os.fork(): wait for the current step to end and hold the next."""
        if self.state != "warming" or self._thread is threading.current_thread():
            return
        self._torn = not self._step.acquire(timeout=FORK_WAIT)
        self._held = not self._torn

    def _after_fork_in_parent(self):
        if self._held:
            self._step.release()
        self._held = self._torn = False

    def _after_fork_in_child(self):
        """The child has no warm-up thread and new locks; a warm-up left unfinished starts anew, one
        torn mid-step (FORK_WAIT ran out) leaves 'auto' on numpy for good."""
        self._held = False
        if self._torn:
            self._fresh("failed", RuntimeError("the process was forked while numba was being loaded"))
        else:
            self._fresh(*(("cold", None) if self.state == "warming" else (self.state, self.error)))


def _compiled(module):
    """True if warming `module` compiled a kernel instead of loading it from numba's cache."""
    return any(sum(kernel.stats.cache_misses.values()) for kernel in module.NUMBA_KERNELS)


_numba = Warmup(NUMBA_MODULES)


def numba_ready():
    """True once numba and all its kernels are loaded; the first call starts loading them."""
    return _numba.ready()


def wait_for_numba(timeout=None):
    """Block until numba is loaded (at most `timeout` seconds); True if 'auto' now means 'numba'."""
    return _numba.wait(timeout)


def numba_status():
    """'cold', 'warming', 'ready', 'failed' or 'disabled'."""
    return _numba.state
