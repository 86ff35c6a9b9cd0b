"""`tinynn.save(obj, path)` / `tinynn.load(path)`: checkpoints as plain numpy .npz files.

`obj` is a state dict, a Module (its state_dict is saved), or any nesting of dicts, lists and tuples
holding arrays/Tensors, numbers, strings, booleans and None (e.g. an optimizer's state_dict).
Arrays are stored as `arr_0, arr_1, ...`; one extra entry holds a JSON record with the format
version, the nesting, and each array's key path, shape and dtype, so a file can be checked on load
and read without tinynn (`np.load(path)`). Nothing is pickled.

The file is written to a temporary file in the same directory and renamed over `path`
(`_atomic.atomic_write`), so an interrupted save never leaves a half-written checkpoint; a new
file gets the mode the umask gives, as with `open`.
"""
import json
import os
import zipfile
import zlib

import numpy as np

from ._atomic import atomic_write
from .tensor import Tensor

FORMAT, VERSION, META_KEY = "tinynn", 1, "__tinynn_meta__"


def _encode(obj, path, arrays):
    """Describe `obj` as JSON, moving its arrays into `arrays` (a list of (key path, array))."""
    if hasattr(obj, "state_dict") and callable(obj.state_dict) and not isinstance(obj, dict):
        obj = obj.state_dict()
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.str_):
        obj = str(obj)
    if isinstance(obj, (np.ndarray, np.generic)):
        array = np.asarray(obj)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"save: cannot store the {array.dtype} array at '{path}' (numeric and bool arrays only)")
        arrays.append((path, array))
        return {"array": len(arrays) - 1, "scalar": isinstance(obj, np.generic)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at '{path}'")
            items.append([key, _encode(value, f"{path}/{key}" if path else str(key), arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at '{path or 'top level'}' "
                    "(supported: Module, dict, list, tuple, arrays/Tensors, numbers, str, bool, None)")


def _decode(node, arrays):
    if "array" in node:
        array = arrays[node["array"]]
        return array[()] if node["scalar"] else array
    if "value" in node:
        return node["value"]
    if "dict" in node:
        return {key: _decode(value, arrays) for key, value in node["dict"]}
    if "list" in node:
        return [_decode(v, arrays) for v in node["list"]]
    return tuple(_decode(v, arrays) for v in node["tuple"])


def _is_path(path):
    return isinstance(path, (str, bytes, os.PathLike))


def save(obj, path):
    """Save `obj` (state dict, Module, or nested dicts/lists of arrays and numbers) to `path` as .npz, atomically.

    `path` is a file name, used as given (no '.npz' is appended), or a binary file object (as with
    torch.save), which is written directly.
    """
    if _is_path(obj) and not _is_path(path):
        raise TypeError(f"save: the arguments look swapped: got a path first and a {type(path).__name__} "
                        "second; call tinynn.save(obj, path)")
    if not _is_path(path) and not callable(getattr(path, "write", None)):
        raise TypeError(f"save: path must be a file name (str or os.PathLike) or a binary file object, "
                        f"got {type(path).__name__}")
    arrays = []
    tree = _encode(obj, "", arrays)
    meta = {"format": FORMAT, "version": VERSION, "tree": tree,
            "arrays": [{"name": name, "shape": list(a.shape), "dtype": a.dtype.str} for name, a in arrays]}
    entries = {f"arr_{i}": a for i, (_, a) in enumerate(arrays)}
    entries[META_KEY] = np.array(json.dumps(meta))
    if not _is_path(path):
        np.savez(path, **entries)
        return
    with atomic_write(path, "save") as f:
        np.savez(f, **entries)


def _not_npz(path):
    """Why the file at `path` (a name or a file object) is not a .npz archive, from its first bytes
    (None if it is a zip file)."""
    if _is_path(path):
        with open(path, "rb") as f:
            head = f.read(8)
    else:
        start = path.tell()
        head = path.read(8)
        path.seek(start)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return None
    if not head:
        return "it is empty"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single .npy array (np.save), not a .npz archive"
    if head.startswith(b"\x89HDF"):
        return "it is an HDF5 file (e.g. a Keras .h5 model), not a .npz archive"
    if head[:1] == b"\x80":
        return "it is a Python pickle (e.g. an old torch.save file), which tinynn never reads"
    return "it is not a .npz archive"


def _read(path):
    """The metadata record and the arrays of a tinynn .npz file (errors say what is wrong with it)."""
    problem = _not_npz(path)
    if problem is not None:
        raise ValueError(problem)
    with np.load(path, allow_pickle=False) as npz:
        if META_KEY not in npz.files:
            if any(name.endswith("data.pkl") for name in npz.files):
                raise ValueError("it is a PyTorch checkpoint (torch.save), not a tinynn one")
            raise ValueError("it is a .npz archive without tinynn's metadata record (not written by tinynn.save)")
        meta = json.loads(str(npz[META_KEY]))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("version"), int):
            raise ValueError("its metadata record is not tinynn's")
        if meta["version"] > VERSION:
            raise ValueError(f"it was written in format version {meta['version']}, newer than this "
                             f"tinynn's ({VERSION}); update tinynn")
        return meta, [npz[f"arr_{i}"] for i in range(len(meta["arrays"]))]


def load(path):
    """Load what `save` wrote: a state dict comes back as {name: numpy array} (pass it to load_state_dict).

    `path` is a file name or a binary file object. A missing file raises FileNotFoundError; a truncated,
    corrupted or foreign file raises ValueError naming the file and saying it is not a (readable) tinynn
    checkpoint. Nothing is ever unpickled.
    """
    if _is_path(path):
        path = os.fsdecode(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: no such file: {path}")
        if os.path.isdir(path):
            raise IsADirectoryError(f"load: {path} is a directory, not a tinynn checkpoint file")
    elif not (callable(getattr(path, "read", None)) and callable(getattr(path, "seek", None))):
        raise TypeError(f"load: expected a file name (str or os.PathLike) or a binary file object, got "
                        f"{type(path).__name__}" + ("; to load into a model: model.load_state_dict(tinynn.load(path))"
                                                     if hasattr(path, "load_state_dict") else ""))
    label = path if isinstance(path, str) else getattr(path, "name", f"the {type(path).__name__} given")
    try:
        meta, arrays = _read(path)
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
        if "allow_pickle" in str(err):                 # numpy's advice to unpickle: never pass it on
            err = "it holds pickled Python objects, which tinynn never writes"
        raise ValueError(f"load: {label} is not a tinynn checkpoint, or a damaged one: {err}") from None
    for record, array in zip(meta["arrays"], arrays):
        if list(array.shape) != record["shape"] or array.dtype.str != record["dtype"]:
            raise ValueError(f"load: checkpoint {label} is inconsistent: '{record['name']}' should be "
                             f"{record['dtype']} {tuple(record['shape'])}, found {array.dtype.str} {array.shape}")
    return _decode(meta["tree"], arrays)
