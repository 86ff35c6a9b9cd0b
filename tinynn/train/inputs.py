"""What `fit`, `evaluate` and `predict` accept, checked once at the start with errors that name the problem.

Data given as (x, y) arrays become a TensorDataset (floating arrays cast to the model's dtype); None,
object or string data, ragged lists, x and y of different lengths and empty data are refused here,
before any epoch runs, instead of surfacing as a NaN loss or a numpy error inside the loop.
"""
import numbers

import numpy as np

from ..data import DataLoader, Dataset, TensorDataset
from ..data.loader import check_array


def model_dtype(model):
    """The dtype of the model's first floating parameter (floating inputs are cast to it), or None."""
    for p in model.parameters():
        if p.dtype.kind == "f":
            return p.dtype
    return None


def _cast(a, dtype, what):
    a = check_array(a, what)
    if dtype is not None and a.dtype.kind == "f" and a.dtype != dtype:
        a = a.astype(dtype)
    return a


def _sized(data, fn, name):
    if len(data) == 0:
        shapes = getattr(data, "_arrays", None)
        shown = f" (shapes {', '.join(str(a.shape) for a in shapes)})" if shapes else ""
        raise ValueError(f"{fn}: {name} has no samples{shown}")
    return data


def as_dataset(data, dtype, fn, name):
    """(x, y) arrays/Tensors -> TensorDataset; Datasets and DataLoaders are used as given."""
    if isinstance(data, (Dataset, DataLoader)):
        return _sized(data, fn, name)
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise TypeError(f"{fn}: {name} must be a tuple (x, y) of arrays/Tensors, a Dataset or a DataLoader, "
                        f"got {type(data).__name__}" + (f" of length {len(data)}" if isinstance(data, (tuple, list))
                                                         else ""))
    fields = ["x", "y"] if len(data) == 2 else [f"{name}[{i}]" for i in range(len(data))]
    arrays = [_cast(a, dtype, f"{fn}: {name} {field}" if len(data) == 2 else f"{fn}: {field}")
              for a, field in zip(data, fields)]
    for field, a in zip(fields[1:], arrays[1:]):
        if len(a) != len(arrays[0]):
            raise ValueError(f"{fn}: {name}: {fields[0]} has {len(arrays[0])} samples (shape {arrays[0].shape}) "
                             f"but {field} has {len(a)} (shape {a.shape}); they must have the same first dimension")
    return _sized(TensorDataset(*arrays), fn, name)


def as_inputs(x, dtype):
    """predict's input: a Dataset/DataLoader as given, or one array of samples as a TensorDataset."""
    if isinstance(x, (Dataset, DataLoader)):
        return _sized(x, "predict", "x")
    return _sized(TensorDataset(_cast(x, dtype, "predict: x")), "predict", "x")


def check_model(model, fn):
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"{fn}: model must be a tinynn nn.Module, got {type(model).__name__}")


def check_loss(loss, fn, required=True):
    if loss is None and not required:
        return
    if isinstance(loss, type):
        raise TypeError(f"{fn}: loss is the class {loss.__name__}; pass an instance, e.g. {loss.__name__}()")
    if not callable(loss):
        raise TypeError(f"{fn}: loss must be a callable loss(output, target), e.g. nn.MSELoss(); got {loss!r}")


def check_optimizer(optimizer, model):
    if isinstance(optimizer, type):
        raise TypeError(f"fit: optimizer is the class {optimizer.__name__}; pass an instance, "
                        f"e.g. {optimizer.__name__}(model.parameters())")
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "zero_grad"):
        raise TypeError(f"fit: optimizer must be a tinynn.optim optimizer, got {type(optimizer).__name__}")
    trained = {id(p) for g in getattr(optimizer, "param_groups", ()) for p in g["params"]}
    own = [p for p in model.parameters() if p.requires_grad]
    if trained and own and not any(id(p) in trained for p in own):
        raise ValueError("fit: the optimizer holds none of this model's parameters (was it made for another "
                         "model?); pass optim.<Name>(model.parameters(), ...)")


def check_count(value, name, fn, low):
    """An int (not a bool) >= low, e.g. epochs >= 0, batch_size >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: {name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{fn}: {name} must be {'positive' if low == 1 else f'>= {low}'}, got {value}")
    return int(value)


def check_fraction(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"fit: validation_split must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"fit: validation_split must be in [0, 1), got {value}")
    return float(value)


def check_verbose(verbose, fn):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or not isinstance(verbose, numbers.Integral):
        raise ValueError(f"{fn}: verbose must be 0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto', "
                         f"got {verbose!r}")
    return int(verbose)


def check_callbacks(callbacks):
    """Each callback must be a Callback (a plain function is a common slip: wrap it in LambdaCallback)."""
    from .callbacks import Callback
    for i, cb in enumerate(callbacks):
        if isinstance(cb, type) and issubclass(cb, Callback):
            raise TypeError(f"fit: callbacks[{i}] is the class {cb.__name__}; pass an instance, e.g. {cb.__name__}()")
        if not isinstance(cb, Callback):
            hint = "; wrap a function as LambdaCallback(on_epoch_end=fn)" if callable(cb) else ""
            raise TypeError(f"fit: callbacks[{i}] is a {type(cb).__name__}, not a tinynn.train.Callback{hint}")
    return callbacks
