"""Callbacks: code that `fit` runs at fixed points of training, with Keras's names and semantics.

`fit` calls, on every callback in order: on_train_begin(logs), then per epoch on_epoch_begin(epoch,
logs) ... on_epoch_end(epoch, logs) with logs = {'loss': ..., 'val_loss': ..., metrics...}, and per
batch on_batch_begin/on_batch_end(batch, logs) (only on callbacks that define them, so unused hooks
cost nothing), finally on_train_end(logs). A callback sees the model as `self.model`; setting
`self.model.stop_training = True` ends training after the current epoch.
"""
import math
import numbers
import os
import string
import warnings

import numpy as np

from .._atomic import check_writable


class Callback:
    """Base class; override the hooks you need."""

    model = None
    params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


def overrides(callback, hook):
    """True if `callback` does something in `hook` (a subclass method or an instance attribute)."""
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


class History(Callback):
    """Records the logs of every epoch: `history.history['val_loss'][e]`, `history.epoch` = [0, 1, ...]."""

    def __init__(self):
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class LambdaCallback(Callback):
    """A callback from plain functions: LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs['loss']))."""

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end")

    def __init__(self, **hooks):
        unknown = set(hooks) - set(self._HOOKS)
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hooks {sorted(unknown)}; known: {list(self._HOOKS)}")
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


def _monitor_op(name, monitor, mode):
    """np.less or np.greater; mode 'auto' maximises accuracy-like quantities ('acc'/'auc' in the name)."""
    if not isinstance(monitor, str):
        raise TypeError(f"{name}: monitor must be the name of a logged quantity such as 'val_loss', got {monitor!r}")
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        mode = "max" if "acc" in monitor or "auc" in monitor else "min"
    return np.less if mode == "min" else np.greater


def _monitored(name, logs, monitor):
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(f"{name} is monitoring '{monitor}', which is not in the logs (available: "
                      f"{sorted(logs or {})}); pass validation data for 'val_' quantities", stacklevel=3)
    return value


class EarlyStopping(Callback):
    """Stop training when `monitor` has not improved for `patience` epochs (Keras's rule).

    An epoch improves if monitor − min_delta < best (mode 'min'; mirrored for 'max'). Each epoch
    without improvement increases `wait`; when wait ≥ patience (and after the first epoch) training
    stops and `stopped_epoch` records the epoch (0-based). With restore_best_weights=True the
    model's weights are then reset to those of the best epoch. If `baseline` is given, wait is only
    reset by epochs better than it too. Epochs before `start_from_epoch` are ignored.
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0, mode="auto", restore_best_weights=False,
                 baseline=None, start_from_epoch=0, verbose=0):
        for key, value in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"EarlyStopping: {key} must be an integer, got {value!r}")
            if value < 0:
                raise ValueError(f"EarlyStopping: {key} must be >= 0, got {value}")
        for key, value in (("min_delta", min_delta), ("baseline", baseline)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
                raise TypeError(f"EarlyStopping: {key} must be a number, got {value!r}")
        self.monitor, self.patience, self.baseline = monitor, patience, baseline
        self.restore_best_weights, self.start_from_epoch, self.verbose = restore_best_weights, start_from_epoch, verbose
        self.monitor_op = _monitor_op("EarlyStopping", monitor, mode)
        self.min_delta = abs(min_delta) if self.monitor_op is np.greater else -abs(min_delta)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = math.inf if self.monitor_op is np.less else -math.inf
        self.best_weights = None

    def _improves(self, value, reference):
        return reference is None or bool(self.monitor_op(value - self.min_delta, reference))

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored("EarlyStopping", logs, self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.state_dict()       # weights of the first epoch if none improves
        self.wait += 1
        if self._improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            if self._improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
                self.model.load_state_dict(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class ModelCheckpoint(Callback):
    """Save the model's state_dict with `tinynn.save` after every epoch, or only when `monitor` improves.

    `path` may contain fields filled from the epoch (1-based) and the logs: 'model_{epoch:02d}.npz',
    'best_{val_loss:.3f}.npz'. With save_best_only=True the file is written only when the monitored
    quantity beats the best so far (mode as in EarlyStopping); `best` holds that value.
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto", verbose=0):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: path must be a str or os.PathLike, got {type(path).__name__}")
        self.path, self.monitor, self.save_best_only, self.verbose = os.fspath(path), monitor, save_best_only, verbose
        try:
            list(string.Formatter().parse(self.path))
        except ValueError as err:
            raise ValueError(f"ModelCheckpoint: the path {self.path!r} is not a valid format string ({err}); "
                             "write a literal brace as {{ or }}") from None
        self.monitor_op = _monitor_op("ModelCheckpoint", monitor, mode)
        self.best = math.inf if self.monitor_op is np.less else -math.inf

    def on_train_begin(self, logs=None):
        """Fail now, not after the first epoch, if the file cannot be written (missing directory, no permission)."""
        if "{" not in os.path.dirname(self.path):
            check_writable(self.path, "ModelCheckpoint")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        try:
            path = self.path.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"ModelCheckpoint: cannot fill the path {self.path!r} from epoch and logs "
                             f"{sorted(logs)}: {err!r}") from None
        if self.save_best_only:
            current = _monitored("ModelCheckpoint", logs, self.monitor)
            if current is None:
                return
            if not self.monitor_op(current, self.best):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        from ..io import save
        save(self.model.state_dict(), path)
