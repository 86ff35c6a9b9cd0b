"""Bad arguments to fit / evaluate / predict fail at the start with an error naming the argument and
the problem, never as a NaN loss, a bare numpy error, or after some epochs have run."""
import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn
import tinynn.optim as optim
from tinynn.data import DataLoader, TensorDataset
from tinynn.train import EarlyStopping, LambdaCallback, ModelCheckpoint, evaluate, fit, plot_history, predict

X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
Y = X[:, :1] * 2.0
OBJECT_X = np.array([[1.0, None, 3.0]] * 10, dtype=object)


def model():
    tn.manual_seed(0)
    return nn.Linear(3, 1)


@pytest.mark.parametrize("data, error, message", [
    ((X, Y[:7]), ValueError, r"fit: train_data: x has 10 samples \(shape \(10, 3\)\) but y has 7 \(shape \(7, 1\)\)"),
    ((X, X, Y[:3]), ValueError, r"train_data\[0\] has 10 samples .* train_data\[2\] has 3"),
    ((OBJECT_X, Y), TypeError, "fit: train_data x has dtype object"),
    ((None, Y), TypeError, "fit: train_data x is None"),
    ((X, None), TypeError, "fit: train_data y is None"),
    ((X, np.array(["a"] * 10)), TypeError, r"fit: train_data y has dtype <U1 \(strings\)"),
    (([[1.0, 2.0, 3.0], [1.0, 2.0]], [1.0, 2.0]), ValueError, "fit: train_data x is ragged"),
    ((X, 3.0), ValueError, "fit: train_data y is a single number"),
    ((X[:0], Y[:0]), ValueError, r"fit: train_data has no samples \(shapes \(0, 3\), \(0, 1\)\)"),
    (TensorDataset(X[:0], Y[:0]), ValueError, "fit: train_data has no samples"),
    (X, TypeError, "fit: train_data must be a tuple"),
], ids=["x-y-lengths", "three-arrays", "object", "x-none", "y-none", "strings", "ragged", "scalar-y", "empty",
        "empty-dataset", "x-only"])
def test_bad_training_data_is_named_before_training(data, error, message):
    net, epochs = model(), []
    before = net.weight.data.copy()
    with pytest.raises(error, match=message):
        fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.1), data, verbose=0,
            callbacks=[LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))])
    assert epochs == [] and np.array_equal(net.weight.data, before)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, "fit: batch_size must be positive, got 0"),
    (dict(batch_size=-4), ValueError, "fit: batch_size must be positive, got -4"),
    (dict(batch_size=2.5), TypeError, "fit: batch_size must be an integer, got 2.5"),
    (dict(batch_size=None), TypeError, "fit: batch_size must be an integer, got None"),
    (dict(epochs=-1), ValueError, "fit: epochs must be >= 0, got -1"),
    (dict(epochs=2.5), TypeError, "fit: epochs must be an integer"),
    (dict(validation_split="0.2"), TypeError, r"fit: validation_split must be a number in \[0, 1\)"),
    (dict(validation_split=1.0), ValueError, r"fit: validation_split must be in \[0, 1\), got 1.0"),
    (dict(verbose=5), ValueError, "fit: verbose must be 0"),
    (dict(validation_data=(X, Y[:3])), ValueError, "fit: validation_data: x has 10 samples .* y has 3"),
    (dict(validation_data=(X, OBJECT_X)), TypeError, "fit: validation_data y has dtype object"),
], ids=["bs0", "bs-negative", "bs-float", "bs-none", "epochs-negative", "epochs-float", "split-str", "split-1",
        "verbose", "val-lengths", "val-object"])
def test_bad_fit_arguments_say_which(kwargs, error, message):
    net = model()
    with pytest.raises(error, match=message):
        fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.1), (X, Y), **{"verbose": 0, **kwargs})


def test_model_loss_and_optimizer_mistakes():
    net = model()
    opt = optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="fit: model must be a tinynn nn.Module, got str"):
        fit("net", nn.MSELoss(), opt, (X, Y), verbose=0)
    with pytest.raises(TypeError, match=r"loss is the class MSELoss; pass an instance, e.g. MSELoss\(\)"):
        fit(net, nn.MSELoss, opt, (X, Y), verbose=0)
    with pytest.raises(TypeError, match=r"optimizer is the class Adam; pass an instance"):
        fit(net, nn.MSELoss(), optim.Adam, (X, Y), verbose=0)
    with pytest.raises(ValueError, match="optimizer holds none of this model's parameters"):
        fit(net, nn.MSELoss(), optim.SGD(model().parameters(), lr=0.1), (X, Y), verbose=0)
    assert len(fit(net, nn.MSELoss(), opt, (X, Y), epochs=0, verbose=0).epoch) == 0     # Keras: nothing run


@pytest.mark.parametrize("call, error, message", [
    (lambda net: predict(net, None), TypeError, "predict: x is None"),
    (lambda net: predict(net, OBJECT_X), TypeError, "predict: x has dtype object"),
    (lambda net: predict(net, X[:0]), ValueError, "predict: x has no samples"),
    (lambda net: predict(net, X, batch_size=0), ValueError, "predict: batch_size must be positive"),
    (lambda net: predict(net, DataLoader(TensorDataset(X[:0]))), ValueError, "predict: x has no samples"),
    (lambda net: evaluate(net, nn.MSELoss(), (X, Y[:4])), ValueError, "evaluate: data: x has 10 .* y has 4"),
    (lambda net: evaluate(net, nn.MSELoss(), (X, Y), batch_size=-1), ValueError, "evaluate: batch_size"),
    (lambda net: evaluate(net, nn.MSELoss, (X, Y)), TypeError, "evaluate: loss is the class MSELoss"),
], ids=["predict-none", "predict-object", "predict-empty", "predict-bs0", "predict-empty-loader",
        "evaluate-lengths", "evaluate-bs", "evaluate-loss-class"])
def test_bad_predict_and_evaluate_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call(model())


def test_good_inputs_still_work_lists_and_tensors():
    net = model()
    h = fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.1), (X.tolist(), tn.tensor(Y)), epochs=3,
            batch_size=4, verbose=0)
    assert len(h.history["loss"]) == 3 and h.history["loss"][-1] < h.history["loss"][0]
    assert predict(net, X.tolist()).shape == (10, 1) and predict(net, X.tolist()).dtype == np.float32


@pytest.mark.parametrize("make, error, message", [
    (lambda: EarlyStopping(monitor=3), TypeError, "EarlyStopping: monitor must be the name of a logged quantity"),
    (lambda: EarlyStopping(patience=-1), ValueError, "EarlyStopping: patience must be >= 0, got -1"),
    (lambda: EarlyStopping(patience="2"), TypeError, "EarlyStopping: patience must be an integer, got '2'"),
    (lambda: EarlyStopping(min_delta="a"), TypeError, "EarlyStopping: min_delta must be a number"),
    (lambda: ModelCheckpoint("m.npz", monitor=None), TypeError, "ModelCheckpoint: monitor must be the name"),
    (lambda: plot_history({"loss": [1.0, 0.5]}, 3), TypeError, "plot_history: path must be a file name"),
    (lambda: plot_history({"loss": 1.0}), ValueError, r"plot_history: \['loss'\] are not per-epoch lists"),
], ids=["monitor", "patience-negative", "patience-str", "min-delta", "checkpoint-monitor", "plot-path",
        "plot-scalar"])
def test_callback_and_plot_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_plot_history_takes_one_key_as_a_string():
    fig = plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}, keys="loss")
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "loss"


@pytest.mark.parametrize("callbacks, message", [
    ([print], r"callbacks\[0\] is a builtin_function_or_method, not a tinynn.train.Callback; wrap a function"),
    ([EarlyStopping], r"callbacks\[0\] is the class EarlyStopping; pass an instance"),
    ((EarlyStopping(monitor="loss"), "best.npz"), r"callbacks\[1\] is a str, not a tinynn.train.Callback$"),
], ids=["function", "class", "string"])
def test_callbacks_must_be_callback_instances(callbacks, message):
    net = model()
    with pytest.raises(TypeError, match=message):
        fit(net, nn.MSELoss(), optim.SGD(net.parameters(), lr=0.1), (X, Y), verbose=0, callbacks=callbacks)
