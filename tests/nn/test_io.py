"""tinynn.save / tinynn.load: round trips, nested optimizer-like state, atomic writes, clear errors."""
import io
import json
import os

import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn


def mlp():
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))


def test_module_roundtrip_gives_identical_predictions(tmp_path):
    tn.manual_seed(0)
    a = mlp()
    path = tmp_path / "model.npz"
    tn.save(a, path)
    tn.manual_seed(1)
    b = mlp()
    x = tn.randn(5, 3)
    assert not np.array_equal(a(x).data, b(x).data)
    b.load_state_dict(tn.load(path))
    np.testing.assert_array_equal(a(x).data, b(x).data)
    state = tn.load(path)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert state["0.weight"].dtype == np.float32


def test_metadata_record_is_readable_with_numpy(tmp_path):
    path = tmp_path / "m.npz"
    tn.save({"w": np.ones((2, 3), np.float64), "step": 4}, path)
    with np.load(path) as f:
        meta = json.loads(str(f["__tinynn_meta__"]))
        assert meta["format"] == "tinynn" and meta["version"] == 1
        assert meta["arrays"] == [{"name": "w", "shape": [2, 3], "dtype": "<f8"}]
        np.testing.assert_array_equal(f["arr_0"], np.ones((2, 3)))


def test_nested_optimizer_like_state(tmp_path):
    state = {"state": {0: {"step": 3, "exp_avg": np.arange(4.0), "max": np.float32(2.5)},
                       1: {"step": 3, "exp_avg": tn.ones(2, 2)}},
             "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False,
                               "name": None, "tag": "dense"}]}
    path = tmp_path / "opt.npz"
    tn.save(state, path)
    back = tn.load(path)
    assert back["state"][0]["step"] == 3 and list(back["state"]) == [0, 1]
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], np.arange(4.0))
    assert isinstance(back["state"][0]["max"], np.float32) and back["state"][0]["max"] == 2.5
    np.testing.assert_array_equal(back["state"][1]["exp_avg"], np.ones((2, 2), np.float32))
    assert back["param_groups"] == [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False,
                                     "name": None, "tag": "dense"}]


def test_unsupported_objects_are_named(tmp_path):
    with pytest.raises(TypeError, match="cannot store a set at 'a/b'"):
        tn.save({"a": {"b": {1, 2}}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        tn.save({(1, 2): 3}, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []                     # nothing half-written is left behind


def test_save_is_atomic_and_replaces(tmp_path):
    path = tmp_path / "ckpt.npz"
    tn.save({"v": np.zeros(3)}, path)
    tn.save({"v": np.ones(3)}, path)
    np.testing.assert_array_equal(tn.load(path)["v"], np.ones(3))
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]   # the temporary file was renamed, not left


def test_truncated_and_foreign_files_raise_clear_errors(tmp_path):
    path = tmp_path / "good.npz"
    tn.save(mlp(), path)
    data = path.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.npz is not a tinynn checkpoint"):
        tn.load(bad)
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF                      # corrupt a byte inside an array
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="flipped.npz"):
        tn.load(tmp_path / "flipped.npz")
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="plain.npz.*without tinynn's metadata"):
        tn.load(tmp_path / "plain.npz")
    np.save(tmp_path / "single.npy", np.zeros(2))
    with pytest.raises(ValueError, match="single .npy array"):
        tn.load(tmp_path / "single.npy")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="text.npz"):
        tn.load(tmp_path / "text.npz")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        tn.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("content, reason", [
    (os.urandom(2000), "not a .npz archive"),
    (b"w1 = 0.5\nw2 = 0.25\n", "not a .npz archive"),
    (b"", "empty"),
    (b"\x80\x04\x95" + os.urandom(100), "pickle"),
    (b"\x89HDF\r\n\x1a\n" + os.urandom(100), "HDF5"),
], ids=["random", "text", "empty", "pickle", "hdf5"])
def test_foreign_files_are_not_tinynn_checkpoints(tmp_path, content, reason):
    path = tmp_path / "weights.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError) as err:
        tn.load(path)
    message = str(err.value)
    assert "weights.bin is not a tinynn checkpoint" in message and reason in message
    assert "allow_pickle" not in message and "unsafe" not in message      # never advise unpickling


def test_npz_with_pickled_objects_is_refused_without_unpickling_advice(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, __tinynn_meta__=np.array([{"format": "tinynn"}], dtype=object))
    with pytest.raises(ValueError) as err:
        tn.load(path)
    assert "objects.npz is not a tinynn checkpoint" in str(err.value) and "allow_pickle" not in str(err.value)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        tn.load(tmp_path)


def test_file_objects_and_argument_mistakes(tmp_path):
    buffer = io.BytesIO()
    model = mlp()
    tn.save(model, buffer)                                # like torch.save(obj, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(tn.load(buffer)["0.weight"], model[0].weight.data)
    with pytest.raises(TypeError, match=r"arguments look swapped.*tinynn.save\(obj, path\)"):
        tn.save(tmp_path / "m.npz", model)
    with pytest.raises(TypeError, match="save: path must be a file name .* got int"):
        tn.save(model, 3)
    with pytest.raises(TypeError, match=r"got Sequential; to load into a model: model.load_state_dict\(tinynn.load"):
        tn.load(model)
    with pytest.raises(ValueError, match="the BytesIO given is not a tinynn checkpoint"):
        tn.load(io.BytesIO(b"not a checkpoint"))
    assert os.listdir(tmp_path) == []
    tn.save({"name": np.str_("dense")}, tmp_path / "s.npz")     # a numpy string is stored as a str
    assert tn.load(tmp_path / "s.npz") == {"name": "dense"}
