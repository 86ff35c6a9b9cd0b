"""`fit`, `evaluate`, `predict`: the Keras training loop for any tinynn Module.

One training step is the PyTorch loop a learner writes by hand:

    optimizer.zero_grad(); out = model(x); l = loss(out, y); l.backward(); optimizer.step()

`fit` adds what Keras adds around it: mini-batches (shuffled each epoch), a validation pass after
each epoch (eval mode, no graph), per-epoch logs collected in a History, metrics, callbacks and a
progress display. Data are (x, y) arrays/Tensors, a Dataset, or a DataLoader (used as it is).
"""
import math

import numpy as np

from ..data import DataLoader, Subset
from ..tensor import Tensor, no_grad
from . import inputs as _in
from . import metrics as _metrics
from .callbacks import Callback, History, overrides
from .metrics import match_target
from .progress import Progress


def _as_list(items, single):
    """Accept one metric/callback where a list is expected (metrics='accuracy')."""
    return [items] if isinstance(items, single) or (callable(items) and not isinstance(items, (list, tuple))) \
        else list(items)


def _loader(data, batch_size, shuffle=False, generator=None):
    return data if isinstance(data, DataLoader) else DataLoader(data, batch_size, shuffle=shuffle, generator=generator)


def _split_last(dataset, fraction):
    """Keras's validation_split: the last `fraction` of the samples, taken before any shuffling."""
    if isinstance(dataset, DataLoader):
        raise ValueError("fit: validation_split needs arrays or a Dataset, not a DataLoader; pass validation_data")
    n = len(dataset)
    split_at = math.floor(n * (1 - fraction))
    if split_at == 0 or split_at == n:
        raise ValueError(f"fit: validation_split={fraction} of {n} samples leaves an empty training or validation set")
    return Subset(dataset, np.arange(split_at)), Subset(dataset, np.arange(split_at, n))


def _unpack(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError("training data must give (inputs..., target) per sample; got a single field. "
                         "For an autoencoder pass (x, x).")
    return batch[:-1], batch[-1]


def _nonfinite_message(value, phase, epoch, step, target, inputs):
    """Why the loss is not finite: bad data (saying which) or, in training, a diverging model."""
    arrays = [("inputs", getattr(x, "data", x)) for x in inputs] + [("targets", getattr(target, "data", target))]
    bad = [name for name, a in arrays if np.asarray(a).dtype.kind in "fc" and not np.isfinite(a).all()]
    field = ("validation " if phase == "validation" else "") + (bad[0] if bad else "")
    data = f": the {field} of this batch contain NaN/inf" if bad else ""
    if phase == "train":
        advice = "; check the training data for NaN/inf" if bad else \
            "; try a smaller learning rate or check the data for NaN/inf"
        return f"the loss became {value} in epoch {epoch + 1}, batch {step + 1}{data}{advice}"
    data = data or ": the data are finite, so the model's outputs or the loss on them are not"
    if phase == "validation":
        return (f"the validation loss became {value} in the validation pass after epoch {epoch + 1}, "
                f"batch {step + 1}{data}")
    return f"evaluate: the loss became {value} in batch {step + 1}{data}"


def _run_epoch(model, loss_fn, loader, metric_list, optimizer=None, on_begin=(), on_end=(), progress=None,
               epoch=0, phase="train"):
    """One pass over `loader`: training steps if an optimizer is given, else evaluation. Returns the logs.

    `phase` ('train', 'validation', 'evaluate') names the pass in errors."""
    total = seen = 0
    sums, counts = [0.0] * len(metric_list), [0] * len(metric_list)
    for step, batch in enumerate(loader):
        inputs, target = _unpack(batch)
        for cb in on_begin:
            cb.on_batch_begin(step, {})
        if optimizer is not None:
            optimizer.zero_grad()
        out = model(*inputs)
        if out.shape != target.shape:
            matched = match_target(out, target.data)
            if matched is not target.data:
                target = Tensor(matched)
        n = len(target)
        if loss_fn is not None:
            loss = loss_fn(out, target)
            value = loss.item()
            if not math.isfinite(value):            # stop before the update spreads it into the weights
                raise FloatingPointError(_nonfinite_message(value, phase, epoch, step, target, inputs))
            if optimizer is not None:
                loss.backward()
                optimizer.step()
            total += value * n
        seen += n
        for i, m in enumerate(metric_list):
            s, c = m.batch(out.data, target.data)
            sums[i] += s
            counts[i] += c
        for cb in on_end:
            cb.on_batch_end(step, {"size": n, "loss": value if loss_fn is not None else None})
        if progress is not None:
            progress.batch(step + 1, total / seen)
    if seen == 0:
        raise ValueError("the data gave no batches (empty data, or drop_last with fewer samples than batch_size)")
    logs = {"loss": total / seen} if loss_fn is not None else {}
    for m, s, c in zip(metric_list, sums, counts):
        logs[m.name] = m.finish(s, c)
    return logs


def fit(model, loss, optimizer, train_data, epochs=1, batch_size=32, validation_data=None, validation_split=0.0,
        shuffle=True, callbacks=(), metrics=(), verbose=1, generator=None):
    """Train `model` for `epochs` passes over `train_data`; returns a History.

    loss: a callable loss(output, target) (e.g. nn.MSELoss()). optimizer: a tinynn.optim optimizer.
    train_data / validation_data: (x, y) arrays or Tensors, a Dataset, or a DataLoader (used as given:
    then batch_size, shuffle and generator do not apply). Floating arrays are cast to the model's dtype.
    validation_split: use the last fraction of train_data (before shuffling) for validation, as Keras;
    ignored if validation_data is given. generator: the numpy Generator or seed for shuffling (default:
    tinynn's global one). metrics: names ('accuracy', 'mae', 'mse', 'rmse'), Metrics or functions.
    callbacks: run in the given order after each epoch's progress line (History last, as in Keras).
    verbose: 0 silent, 1 a bar on a terminal (a plain line per epoch otherwise), 2 a plain line per epoch.

    The History is also kept as `model.history` (as in Keras), so the epochs already run stay reachable
    when training stops with an error; a non-finite loss raises FloatingPointError carrying it as `.history`.
    History.history holds per epoch 'loss' (the mean of the batch losses, weighted by batch size), each
    metric, and 'val_loss', 'val_<metric>' when there is validation data.
    """
    _in.check_model(model, "fit")
    _in.check_loss(loss, "fit")
    _in.check_optimizer(optimizer, model)
    epochs = _in.check_count(epochs, "epochs", "fit", low=0)
    verbose = _in.check_verbose(verbose, "fit")
    validation_split = _in.check_fraction(validation_split)
    dtype = _in.model_dtype(model)
    batch_size = _in.check_count(batch_size, "batch_size", "fit", low=1)
    train = _in.as_dataset(train_data, dtype, "fit", "train_data")
    val = None if validation_data is None else _in.as_dataset(validation_data, dtype, "fit", "validation_data")
    if val is None and validation_split:
        train, val = _split_last(train, validation_split)
    train_loader = _loader(train, batch_size, shuffle, generator)
    val_loader = None if val is None else _loader(val, batch_size)
    metric_list = [_metrics.get(m) for m in _as_list(metrics, (str, _metrics.Metric))]

    history = History()
    model.history = history                    # as Keras: reachable even if training stops with an error
    cbs = [*_in.check_callbacks(_as_list(callbacks, Callback)), history]
    params = {"epochs": epochs, "steps": len(train_loader), "batch_size": batch_size, "verbose": verbose}
    for cb in cbs:
        cb.set_model(model)
        cb.set_params(params)
    on_begin = [cb for cb in cbs if overrides(cb, "on_batch_begin")]
    on_end = [cb for cb in cbs if overrides(cb, "on_batch_end")]
    progress = Progress(verbose, epochs, len(train_loader))

    was_training = model.training
    model.stop_training = False
    for cb in cbs:
        cb.on_train_begin({})
    try:
        for epoch in range(epochs):
            model.train()
            for cb in cbs:
                cb.on_epoch_begin(epoch, {})
            progress.epoch_begin(epoch)
            logs = _run_epoch(model, loss, train_loader, metric_list, optimizer, on_begin, on_end,
                              progress if progress.live else None, epoch)
            if val_loader is not None:
                model.eval()
                with no_grad():
                    val_logs = _run_epoch(model, loss, val_loader, metric_list, epoch=epoch, phase="validation")
                logs.update({"val_" + k: v for k, v in val_logs.items()})
            progress.epoch_end(logs)
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    except FloatingPointError as err:
        err.history = history                  # the epochs run before the loss became NaN
        raise
    finally:
        history.model, history.params = model, params
        model.train(was_training)
    for cb in cbs:
        cb.on_train_end({})
    return history


def evaluate(model, loss, data, metrics=(), batch_size=32, return_dict=False):
    """Loss and metrics of `model` on `data` ((x, y), Dataset or DataLoader), in eval mode without a graph.

    Returns the loss alone if there are no metrics, else [loss, metric1, ...] (Keras's order), or a
    dict {'loss': ..., name: ...} with return_dict=True. `loss` may be None to compute metrics only.
    """
    _in.check_model(model, "evaluate")
    _in.check_loss(loss, "evaluate", required=False)
    metric_list = [_metrics.get(m) for m in _as_list(metrics, (str, _metrics.Metric))]
    batch_size = _in.check_count(batch_size, "batch_size", "evaluate", low=1)
    loader = _loader(_in.as_dataset(data, _in.model_dtype(model), "evaluate", "data"), batch_size)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            logs = _run_epoch(model, loss, loader, metric_list, phase="evaluate")
    finally:
        model.train(was_training)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=32):
    """The model's outputs for inputs `x` (array, Tensor, Dataset or DataLoader), as one numpy array.

    Runs in eval mode without a graph, batch by batch, then restores the model's mode. For a Dataset
    whose samples are (inputs..., target), the target is ignored.
    """
    _in.check_model(model, "predict")
    batch_size = _in.check_count(batch_size, "batch_size", "predict", low=1)
    loader = _loader(_in.as_inputs(x, _in.model_dtype(model)), batch_size)
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with no_grad():
            for batch in loader:
                inputs = batch[:-1] if isinstance(batch, (tuple, list)) and len(batch) > 1 else \
                    (batch if isinstance(batch, (tuple, list)) else (batch,))
                outputs.append(model(*inputs).data)
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict: the input has no samples")
    return np.concatenate(outputs)
