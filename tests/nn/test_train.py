"""fit / evaluate / predict, callbacks, metrics, progress display and plot_history."""
import io
import re
import sys

import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from tinynn.data import DataLoader, TensorDataset
from tinynn.train import (Accuracy, Callback, EarlyStopping, LambdaCallback, ModelCheckpoint, evaluate, fit,
                          metrics, plot_history, predict)

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def regression_data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
    return x, y


def mlp(seed=0, sizes=(3, 8, 1)):
    tn.manual_seed(seed)
    return nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.Tanh(), nn.Linear(sizes[1], sizes[2]))


def weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


# ---- the loop itself ------------------------------------------------------------------------------------
def test_fit_is_the_hand_written_pytorch_loop():
    """Without shuffling, fit's parameters equal those of the explicit zero_grad/forward/backward/step loop."""
    x, y = regression_data()
    a, b = mlp(), mlp()
    fit(a, nn.MSELoss(), optim.SGD(a.parameters(), lr=0.05, momentum=0.9), (x, y), epochs=3, batch_size=5,
        shuffle=False, verbose=0)
    opt, loss_fn = optim.SGD(b.parameters(), lr=0.05, momentum=0.9), nn.MSELoss()
    for _ in range(3):
        for i in range(0, len(x), 5):
            opt.zero_grad()
            loss_fn(b(tn.Tensor(x[i:i + 5])), tn.Tensor(y[i:i + 5])).backward()
            opt.step()
    for k, v in weights(b).items():
        np.testing.assert_array_equal(weights(a)[k], v)
    assert weights(a)["0.weight"].dtype == np.float32


def test_logged_loss_and_metrics_are_exact_epoch_values():
    """With lr=0 the model is fixed, so the logs must equal the full-data values computed by hand —
    including RMSE over the epoch (not an average of batch RMSEs) with unequal batch sizes."""
    x, y = regression_data(23)
    xv, yv = regression_data(11, seed=1)
    model = mlp()
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.0), (x, y), epochs=2, batch_size=5,
            validation_data=(xv, yv), metrics=["mae", "rmse"], verbose=0)
    with tn.no_grad():
        err = model(tn.Tensor(x)).data.astype(np.float64) - y
        verr = model(tn.Tensor(xv)).data.astype(np.float64) - yv
    assert h.history["loss"][1] == pytest.approx(np.mean(err ** 2), rel=1e-6)
    assert h.history["mae"][1] == pytest.approx(np.mean(np.abs(err)), rel=1e-6)
    assert h.history["rmse"][1] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-6)
    assert h.history["val_loss"][0] == pytest.approx(np.mean(verr ** 2), rel=1e-6)
    assert h.history["val_rmse"][0] == pytest.approx(np.sqrt(np.mean(verr ** 2)), rel=1e-6)
    assert list(h.history) == ["loss", "mae", "rmse", "val_loss", "val_mae", "val_rmse"]
    assert h.epoch == [0, 1]


def test_shuffling_is_reproducible_and_uses_the_generator():
    x, y = regression_data()

    def run(generator, global_seed=None):
        m = mlp()
        if global_seed is not None:
            tn.manual_seed(global_seed)
        fit(m, nn.MSELoss(), optim.SGD(m.parameters(), lr=0.05), (x, y), epochs=2, batch_size=4, verbose=0,
            generator=generator)
        return weights(m)["0.weight"]
    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))
    np.testing.assert_array_equal(run(None, global_seed=9), run(None, global_seed=9))   # default: tinynn's
    assert not np.array_equal(run(None, global_seed=9), run(None, global_seed=10))     # global generator


class Recorder(nn.Module):
    """Wraps a model and records every input batch it sees in training mode."""

    def __init__(self, model):
        super().__init__()
        self.model, self.seen = model, []

    def forward(self, x):
        if self.training:
            self.seen.append(x.data.copy())
        return self.model(x)


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = regression_data(10)
    model = Recorder(mlp())
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x, y), epochs=1, batch_size=3,
            validation_split=0.3, verbose=0, generator=0)
    trained = np.concatenate(model.seen)
    np.testing.assert_array_equal(np.sort(trained[:, 0]), np.sort(x[:7, 0]))     # first 7 rows, shuffled
    assert not np.array_equal(trained[:, 0], x[:7, 0])
    assert h.history["val_loss"][0] == pytest.approx(evaluate(model, nn.MSELoss(), (x[7:], y[7:])), rel=1e-6)


def test_datasets_loaders_and_target_shapes():
    x, y = regression_data(12)
    model = mlp()
    loader = DataLoader(TensorDataset(x, y[:, 0]), batch_size=4)         # targets (N,) for outputs (N, 1)
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.0), loader, epochs=1, verbose=0,
            validation_data=TensorDataset(x, y), metrics=["mse"])
    assert h.history["loss"][0] == pytest.approx(h.history["val_loss"][0], rel=1e-6)
    assert h.history["mse"][0] == pytest.approx(h.history["loss"][0], rel=1e-6)
    assert h.params["steps"] == 3


def test_batch_callbacks_and_stop_training():
    x, y = regression_data(10)
    model = mlp()
    calls = []

    class Stopper(Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch", epoch, sorted(logs)))
            if epoch == 1:
                self.model.stop_training = True
    batch = LambdaCallback(on_batch_end=lambda b, logs: calls.append(("batch", b, logs["size"])))
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x, y), epochs=5, batch_size=4,
            verbose=0, callbacks=[batch, Stopper()])
    assert h.epoch == [0, 1]
    assert [c for c in calls if c[0] == "batch"][:3] == [("batch", 0, 4), ("batch", 1, 4), ("batch", 2, 2)]
    assert ("epoch", 0, ["loss"]) in calls and len(calls) == 2 * 3 + 2


# ---- EarlyStopping and ModelCheckpoint on a scripted validation curve -------------------------------------
def scripted(key, values):
    """A callback (put it first) that replaces logs[key] by a scripted curve."""
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


def train_scripted(curve, callbacks, key="val_loss", epochs=None):
    x, y = regression_data(8)
    model, snapshots = mlp(), []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(weights(model)))
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), (x, y), epochs=epochs or len(curve),
            batch_size=4, validation_data=(x, y), verbose=0, callbacks=[scripted(key, curve), record, *callbacks])
    return model, h, snapshots


def test_early_stopping_stops_at_the_keras_epoch_and_restores_the_best_weights():
    # best 3.0 at epoch 2; epochs 3 and 4 do not improve -> wait reaches patience 2 at epoch 4
    curve = [5.0, 4.0, 3.0, 3.5, 3.2, 1.0, 0.5]
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    model, h, snaps = train_scripted(curve, [stop])
    assert h.epoch == [0, 1, 2, 3, 4] and stop.stopped_epoch == 4 and stop.best_epoch == 2
    assert h.history["val_loss"] == curve[:5]
    for k, v in weights(model).items():
        np.testing.assert_array_equal(v, snaps[2][k])                  # exactly the epoch-2 weights
    assert not np.array_equal(snaps[4]["0.weight"], snaps[2]["0.weight"])


def test_early_stopping_min_delta_patience_zero_and_max_mode():
    # improvements smaller than min_delta=0.1 do not count: best stays 4.0 (epoch 1)
    stop = EarlyStopping(patience=2, min_delta=0.1)
    _, h, _ = train_scripted([5.0, 4.0, 3.95, 3.91, 3.0], [stop])
    assert stop.stopped_epoch == 3 and len(h.epoch) == 4
    # patience 0: stop at the first epoch (after epoch 0) that does not improve
    stop = EarlyStopping(patience=0)
    _, h, _ = train_scripted([3.0, 2.0, 2.5, 1.0], [stop])
    assert stop.stopped_epoch == 2 and len(h.epoch) == 3
    # 'auto' maximises accuracy
    stop = EarlyStopping(monitor="val_accuracy", patience=1)
    _, h, _ = train_scripted([0.5, 0.7, 0.6, 0.9], [stop], key="val_accuracy")
    assert stop.stopped_epoch == 2
    # without restore_best_weights the last weights stay
    stop = EarlyStopping(patience=1)
    model, h, snaps = train_scripted([1.0, 2.0, 3.0], [stop])
    assert stop.stopped_epoch == 1
    np.testing.assert_array_equal(weights(model)["0.weight"], snaps[-1]["0.weight"])


def test_early_stopping_warns_when_the_quantity_is_missing():
    x, y = regression_data(8)
    model = mlp()
    with pytest.warns(UserWarning, match="val_loss"):
        h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x, y), epochs=2, verbose=0,
                callbacks=[EarlyStopping(patience=0)])
    assert len(h.epoch) == 2


def test_model_checkpoint_keeps_the_best(tmp_path):
    curve = [3.0, 2.0, 2.5, 1.5, 1.7]
    best = ModelCheckpoint(tmp_path / "best.npz", save_best_only=True)
    every = ModelCheckpoint(str(tmp_path / "model_{epoch:02d}_{val_loss:.1f}.npz"))
    model, h, snaps = train_scripted(curve, [best, every])
    saved = tn.load(tmp_path / "best.npz")
    assert best.best == 1.5
    for k, v in snaps[3].items():
        np.testing.assert_array_equal(saved[k], v)
    assert sorted(p.name for p in tmp_path.glob("model_*")) == [
        "model_01_3.0.npz", "model_02_2.0.npz", "model_03_2.5.npz", "model_04_1.5.npz", "model_05_1.7.npz"]
    reloaded = mlp(seed=1)
    reloaded.load_state_dict(saved)
    np.testing.assert_array_equal(predict(reloaded, regression_data(5)[0]),
                                  predict(_with(mlp(), snaps[3]), regression_data(5)[0]))


def _with(model, state):
    model.load_state_dict(state)
    return model


# ---- end to end ---------------------------------------------------------------------------------------------
def test_xor_mlp_learns_to_100_percent():
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
    h = fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05), (XOR_X, XOR_Y), epochs=200,
            batch_size=4, metrics=["accuracy"], verbose=0)
    assert h.history["accuracy"][-1] == 1.0
    assert h.history["loss"][-1] < 0.05 < h.history["loss"][0]
    np.testing.assert_array_equal(predict(model, XOR_X) > 0.5, XOR_Y > 0.5)
    assert evaluate(model, None, (XOR_X, XOR_Y), metrics="accuracy") == 1.0       # one name is fine too


def test_evaluate_return_forms_and_predict_restores_mode():
    x, y = regression_data(9)
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    loss = evaluate(model, nn.MSELoss(), (x, y))
    both = evaluate(model, nn.MSELoss(), (x, y), metrics=["mae"])
    as_dict = evaluate(model, nn.MSELoss(), (x, y), metrics=["mae"], return_dict=True)
    assert isinstance(loss, float) and both == [loss, as_dict["mae"]] and list(as_dict) == ["loss", "mae"]
    assert model.training                                          # mode restored
    out = predict(model, x, batch_size=4)
    model.eval()
    with tn.no_grad():
        np.testing.assert_array_equal(out, model(tn.Tensor(x)).data)    # eval mode: dropout off
    model.train()
    assert predict(model, TensorDataset(x, y)).shape == (9, 1)


def test_input_errors_and_nan_loss():
    x, y = regression_data(6)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(TypeError, match="train_data must be a tuple"):
        fit(model, nn.MSELoss(), opt, x, verbose=0)
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, nn.MSELoss(), "adam", (x, y), verbose=0)
    with pytest.raises(ValueError, match="unknown metric"):
        fit(model, nn.MSELoss(), opt, (x, y), metrics=["f1"], verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        fit(model, nn.MSELoss(), opt, DataLoader(TensorDataset(x, y)), validation_split=0.5, verbose=0)
    before = weights(model)
    with pytest.raises(FloatingPointError, match="inf in epoch 1, batch 1"):
        fit(model, nn.MSELoss(), opt, (x, np.full_like(y, np.inf)), verbose=0)
    np.testing.assert_array_equal(weights(model)["0.weight"], before["0.weight"])    # no update was made


# ---- metrics -------------------------------------------------------------------------------------------------
def test_accuracy_binary_multiclass_and_logits():
    acc = metrics.get("accuracy")
    assert acc(np.array([[0.9], [0.2], [0.6]]), np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert Accuracy(from_logits=True)(np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 0.0])) == pytest.approx(2 / 3)
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])
    assert acc(probs, np.array([1, 0, 0, 1])) == 0.75
    assert acc(probs, np.eye(3)[[1, 0, 0, 1]]) == 0.75
    with pytest.raises(ValueError, match=r"\(4,\)"):
        acc(probs, np.zeros((4, 2)))


def test_metric_names_and_functions():
    pred, target = np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 1.0])
    assert metrics.get("mae")(pred, target) == pytest.approx(5 / 3)
    assert metrics.get("mean_squared_error")(pred, target) == pytest.approx(13 / 3)
    assert metrics.get("rmse")(pred, target) == pytest.approx(np.sqrt(13 / 3))
    assert metrics.get("acc").name == "acc"

    def max_error(p, t):
        return np.max(np.abs(p - t))
    m = metrics.get(max_error)
    assert m.name == "max_error" and m(pred, target) == 3.0


# ---- display -------------------------------------------------------------------------------------------------
LINE = re.compile(r"^Epoch (\d)/3 - \d+(?:ms|\.\ds) - loss: (\S+) - accuracy: (\S+) - val_loss: (\S+) - "
                  r"val_accuracy: (\S+)$")


def run_xor(verbose, epochs=3):
    tn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    return fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (XOR_X, XOR_Y), epochs=epochs,
               batch_size=1, validation_data=(XOR_X, XOR_Y), metrics=["accuracy"], verbose=verbose)


def test_plain_output_is_one_line_per_epoch(capsys):
    h = run_xor(verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        match = LINE.match(line)
        assert match, line
        assert int(match.group(1)) == epoch + 1
        for group, key in zip(match.groups()[1:], ["loss", "accuracy", "val_loss", "val_accuracy"]):
            assert group == f"{h.history[key][epoch]:.4f}"
    run_xor(verbose=0)
    assert capsys.readouterr().out == ""


def test_terminal_output_is_a_bar_per_epoch(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    run_xor(verbose=1, epochs=2)
    lines = screen.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 3
    for epoch, line in enumerate(lines[:2]):
        assert line.startswith("\r")
        final = line.split("\r")[-1].rstrip()
        assert final.startswith(f"Epoch {epoch + 1}/2 [" + "=" * 30 + "] 4/4 - ")
        assert re.search(r"loss: \S+ - accuracy: \S+ - val_loss: \S+ - val_accuracy: \S+$", final)
    screen.truncate(0)
    screen.seek(0)
    run_xor(verbose=2, epochs=2)                        # verbose=2: plain lines even on a terminal
    assert "\r" not in screen.getvalue() and len(screen.getvalue().splitlines()) == 2


def test_plot_history_writes_a_png(tmp_path):
    h = run_xor(verbose=0)
    fig = plot_history(h, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [3, 3]
    assert len(plot_history(h.history, keys=["loss"]).axes) == 1
    with pytest.raises(KeyError, match="nope"):
        plot_history(h, keys=["nope"])
    assert list(tmp_path.iterdir()) == [tmp_path / "curves.png"]      # no temporary file left behind


# ---- a non-finite loss: which pass, and the History so far ------------------------------------------------
def test_nan_only_in_validation_data_names_the_validation_pass():
    x, y = regression_data(8)
    y_val = y.copy()
    y_val[1] = np.nan
    model = mlp()
    with pytest.raises(FloatingPointError) as err:
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x, y), validation_data=(x, y_val),
            batch_size=4, epochs=2, verbose=0)
    message = str(err.value)
    assert "validation pass after epoch 1, batch 1" in message
    assert "validation targets of this batch contain NaN" in message
    assert "learning rate" not in message                 # the training went fine: no advice about lr
    with pytest.raises(FloatingPointError, match=r"evaluate: the loss became nan in batch 1: the inputs"):
        evaluate(model, nn.MSELoss(), (np.full_like(x, np.nan), y))


def test_nan_in_training_data_is_named_and_divergence_gets_the_lr_advice():
    x, y = regression_data(8)
    x_bad = x.copy()
    x_bad[5, 0] = np.nan
    model = mlp()
    with pytest.raises(FloatingPointError, match="epoch 1, batch 2: the inputs of this batch contain NaN/inf; "
                                                 "check the training data"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x_bad, y), batch_size=4, shuffle=False,
            verbose=0)
    with pytest.raises(FloatingPointError, match="smaller learning rate") as err, np.errstate(all="ignore"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e6), (x, 1e10 * y), batch_size=4, epochs=50,
            verbose=0)
    assert "contain NaN" not in str(err.value)


def test_history_of_the_epochs_run_survives_a_nan_stop():
    x, y = regression_data(8)
    model = mlp()
    poison = LambdaCallback(on_epoch_end=lambda epoch, logs: epoch == 2 and model[0].weight.data.fill(np.nan))
    with pytest.raises(FloatingPointError, match="epoch 4, batch 1") as err:
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x, y), batch_size=4, epochs=10,
            verbose=0, callbacks=[poison])
    for history in (err.value.history, model.history):   # on the exception and, as Keras, on the model
        assert history.epoch == [0, 1, 2] and len(history.history["loss"]) == 3
        assert np.isfinite(history.history["loss"]).all()
    h = fit(model := mlp(), nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), (x, y), epochs=2, verbose=0)
    assert model.history is h and h.epoch == [0, 1]
