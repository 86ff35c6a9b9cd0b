"""Every file tinynn writes goes through one atomic writer (tinynn._atomic): umask modes, no leftovers
of a killed writer, errors naming the user's file, and ModelCheckpoint failing before training."""
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from tinynn.datasets import digits
from tinynn.scalar import Value
from tinynn.train import History, LambdaCallback, ModelCheckpoint, fit, plot_history


def _history():
    h = History()
    for epoch, loss in enumerate([1.0, 0.5, 0.3]):
        h.on_epoch_end(epoch, {"loss": loss, "val_loss": loss + 0.1})
    return h


def _checkpoint(path):
    tn.manual_seed(0)
    model = nn.Linear(2, 1)
    x = np.zeros((4, 2), np.float32)
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (x, x[:, :1]), epochs=1, verbose=0,
        callbacks=[ModelCheckpoint(path, monitor="loss")])


WRITERS = {
    "save": lambda path: tn.save(nn.Linear(2, 3), path),
    "ModelCheckpoint": _checkpoint,
    "plot_history": lambda path: plot_history(_history(), path),
    "save_digit_png": lambda path: digits.save_digit_png(path, np.zeros((28, 28), np.uint8)),
    "Value.draw": lambda path: (Value(2.0) * Value(3.0) + 1).draw(path),
}
SUFFIX = {"save": ".npz", "ModelCheckpoint": ".npz"}


@pytest.fixture
def umask():
    """Set a umask for the test, restore the old one afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("mask", [0o022, 0o027], ids=lambda m: f"umask{m:03o}")
def test_new_files_get_the_mode_the_umask_gives(tmp_path, umask, writer, mask):
    umask(mask)
    path = tmp_path / ("out" + SUFFIX.get(writer, ".png"))
    WRITERS[writer](path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~mask)        # 0644 under umask 022, not mkstemp's 0600
    assert os.listdir(tmp_path) == [path.name]                            # no temporary file left


def test_an_existing_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / "private.npz"
    tn.save({"w": np.zeros(2)}, path)
    path.chmod(0o600)
    tn.save({"w": np.ones(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o600
    np.testing.assert_array_equal(tn.load(path)["w"], np.ones(2))


KILLED_SAVE = """
import os, signal, sys
import numpy as np
import tinynn as tn

def dying_savez(f, **entries):       # the process is killed half-way through writing the checkpoint
    f.write(b"PK" + bytes(5000))
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)

np.savez = dying_savez
tn.save({"w": np.ones(1000)}, sys.argv[1])
"""


def test_temporaries_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "ckpt.npz"
    tn.save({"w": np.zeros(1000)}, path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(tn.__file__)),
                                                       os.environ.get("PYTHONPATH", "")]))
    for _ in range(2):
        run = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(path)], env=env, capture_output=True)
        assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    leftovers = sorted(set(os.listdir(tmp_path)) - {"ckpt.npz"})
    assert len(leftovers) == 1             # a crash leaves its temporary (the 2nd run removed the 1st's) ...
    np.testing.assert_array_equal(tn.load(path)["w"], np.zeros(1000))  # ... never the checkpoint itself
    tn.save({"w": np.ones(1000)}, path)
    assert os.listdir(tmp_path) == ["ckpt.npz"]                        # ... is cleaned by the next save
    np.testing.assert_array_equal(tn.load(path)["w"], np.ones(1000))


def test_a_live_writers_temporary_and_other_targets_are_left_alone(tmp_path):
    from tinynn import _atomic
    path = tmp_path / "ckpt.npz"
    live = _atomic.temporary_name(str(path), pid=os.getppid())       # a running process (pytest's parent)
    other = _atomic.temporary_name(str(tmp_path / "other.npz"), pid=2 ** 22 + 7)
    for name in (live, other):
        open(name, "wb").close()
    tn.save({"w": np.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.npz", os.path.basename(live), os.path.basename(other)])


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    from tinynn import _atomic
    path = tmp_path / "curves.png"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with _atomic.atomic_write(path) as f:
            f.write(b"new, half")
            raise RuntimeError("disk on fire")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["curves.png"]


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_missing_directory_is_named_with_the_users_file(tmp_path, writer):
    path = tmp_path / "no_such_dir" / ("out" + SUFFIX.get(writer, ".png"))
    with pytest.raises(FileNotFoundError) as err:
        WRITERS[writer](path)
    message = str(err.value)
    assert str(path) in message and "does not exist" in message and ".tmp" not in message


def test_model_checkpoint_fails_before_training_when_it_cannot_write(tmp_path):
    model = nn.Linear(2, 1)
    before = model.weight.data.copy()
    started = []
    x = np.ones((4, 2), np.float32)
    with pytest.raises(FileNotFoundError, match=r"ModelCheckpoint: cannot write .*missing[/\\]best.npz"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (x, x[:, :1]), epochs=3, verbose=0,
            callbacks=[LambdaCallback(on_epoch_begin=lambda epoch, logs: started.append(epoch)),
                       ModelCheckpoint(tmp_path / "missing" / "best.npz")])
    assert started == [] and np.array_equal(model.weight.data, before)      # no epoch was run
    with pytest.raises(ValueError, match="not a valid format string"):
        ModelCheckpoint(tmp_path / "model_{epoch:02d.npz")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        ModelCheckpoint(3)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_model_checkpoint_without_permission_fails_before_training(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(PermissionError, match="no write permission"):
        _checkpoint(locked / "m.npz")


def test_a_file_or_directory_in_the_way_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"save: cannot write .*notes.txt[/\\]m.npz: .*notes.txt is a file"):
        tn.save({"w": np.ones(2)}, tmp_path / "notes.txt" / "m.npz")
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(IsADirectoryError, match=r"plot_history: cannot write .*ckpt: it is a directory"):
        plot_history(_history(), tmp_path / "ckpt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt", "notes.txt"] and os.listdir(tmp_path / "ckpt") == []
