"""What `fit` shows while it trains, and `plot_history` for the curves afterwards.

verbose=1 on a terminal: a one-line bar redrawn in place during the epoch (at most 10 times a
second), ending as the epoch's summary line. verbose=1 when output goes to a file or a CI log, or
verbose=2: one plain line per epoch,

    Epoch 3/20 - 41ms - loss: 0.2719 - accuracy: 0.9000 - val_loss: 0.3012 - val_accuracy: 0.8750

verbose=0: nothing. Numbers are printed like Keras: 4 decimals, or 4 significant digits below 1e-3.
"""
import os
import sys
import time

import numpy as np

from .._atomic import atomic_write


def format_value(value):
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_time(seconds):
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


def format_logs(logs):
    return " - ".join(f"{k}: {format_value(v)}" for k, v in logs.items())


class Progress:
    """The per-epoch display of `fit`; `live` is True when per-batch updates are wanted (the bar)."""

    WIDTH = 30

    def __init__(self, verbose, epochs, steps, stream=None):
        self.stream = sys.stdout if stream is None else stream
        self.verbose, self.epochs, self.steps = verbose, epochs, steps
        isatty = getattr(self.stream, "isatty", None)
        self.live = verbose == 1 and bool(isatty and isatty())
        self._shown = 0

    def epoch_begin(self, epoch):
        self.start = time.perf_counter()
        self._next_draw = self.start
        self.head = f"Epoch {epoch + 1}/{self.epochs}"

    def _bar(self, step):
        done = self.WIDTH * step // max(self.steps, 1)
        arrow = ">" if step < self.steps else "="
        return f"[{'=' * max(done - 1, 0)}{arrow if done else ''}{'.' * (self.WIDTH - done)}] {step}/{self.steps}"

    def _draw(self, text, end=""):
        pad = " " * max(self._shown - len(text), 0)
        self.stream.write("\r" + text + pad + end)
        self.stream.flush()
        self._shown = 0 if end else len(text)

    def batch(self, step, loss):
        """Called after batch `step` (1-based) with the running mean loss; redraws the bar now and then."""
        now = time.perf_counter()
        if now >= self._next_draw:
            self._next_draw = now + 0.1
            self._draw(f"{self.head} {self._bar(step)} - loss: {format_value(loss)}")

    def epoch_end(self, logs):
        if not self.verbose:
            return
        elapsed = format_time(time.perf_counter() - self.start)
        if self.live:
            self._draw(f"{self.head} {self._bar(self.steps)} - {elapsed} - {format_logs(logs)}", end="\n")
        else:
            self.stream.write(f"{self.head} - {elapsed} - {format_logs(logs)}\n")
            self.stream.flush()


def plot_history(history, path=None, keys=None):
    """Training curves: one panel per quantity (loss, each metric), training and validation together.

    `history` is the History returned by fit (or its .history dict); `keys` picks quantities (default:
    all). Saves a PNG to `path` if given (atomically, see tinynn._atomic). Returns the
    matplotlib Figure. Uses no pyplot state, so it works without a display.
    """
    from matplotlib.figure import Figure

    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("plot_history: expected a History (from fit) or a non-empty dict of per-epoch lists")
    flat = [k for k, v in logs.items() if np.ndim(v) != 1]
    if flat:
        raise ValueError(f"plot_history: {flat} are not per-epoch lists of numbers")
    if keys is None:
        names = [k for k in logs if not k.startswith("val_")] or [k[4:] for k in logs]
    else:
        names = [keys] if isinstance(keys, str) else list(keys)
    missing = [k for k in names if k not in logs and "val_" + k not in logs]
    if missing:
        raise KeyError(f"plot_history: no values for {missing}; available: {sorted(logs)}")
    fig = Figure(figsize=(4.5 * len(names), 3.5), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, label in ((name, "training"), ("val_" + name, "validation")):
            if key in logs:
                ax.plot(range(1, len(logs[key]) + 1), logs[key], marker="o", markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"plot_history: path must be a file name (str or os.PathLike), got {type(path).__name__}")
        with atomic_write(path, "plot_history") as f:
            fig.savefig(f, format="png", dpi=100)
    return fig
