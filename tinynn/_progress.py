"""Progress bars (tqdm) for long library work: HMC lattices, event generation, grid search, downloads.

One policy for every caller, the one tqdm-based libraries follow, through a ``progress=`` argument:
  None (default): a bar on a terminal or in a notebook, and only once the work has run for
      ``DELAY`` seconds (tqdm's ``delay``), so quick calls stay silent; never in a pipe, a log
      file, pytest or CI (stderr is not a terminal there);
  True: always, from the start (also into a log file);
  False: never.
tqdm is imported only when a bar is actually drawn, so ``import tinynn`` does not load it.
"""
import sys

DELAY = 2.0


def check_progress(progress):
    """``progress`` if it is None, True or False, else a TypeError naming what was passed."""
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be None (on a terminal, when slow), True or False, got {progress!r}")
    return progress


def wanted(progress):
    """Whether a bar is to be drawn for this ``progress`` setting."""
    if check_progress(progress) is None:
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty and isatty()) or "ipykernel" in sys.modules
    return progress


class _Silent:
    """The part of tqdm's interface the library uses, doing nothing (no tqdm import)."""

    def __init__(self, iterable=None):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def update(self, n=1):
        pass

    def set_postfix_str(self, text="", refresh=True):
        pass

    def close(self):
        pass


def progress_bar(iterable=None, *, total=None, desc=None, unit="it", progress=None, **options):
    """A tqdm bar over ``iterable`` (or one advanced by ``update`` up to ``total``), drawn on
    stderr according to ``progress`` (see the module docstring), else a silent stand-in.
    ``options`` go to tqdm (e.g. ``unit_scale=True`` for bytes)."""
    if not wanted(progress):
        return _Silent(iterable)
    from tqdm.auto import tqdm
    return tqdm(iterable, total=total, desc=desc, unit=unit, delay=DELAY if progress is None else 0,
                dynamic_ncols=True, **options)
