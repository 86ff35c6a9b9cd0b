"""`tinynn.train`: Keras-style training for tinynn modules.

    from tinynn.train import fit, EarlyStopping, plot_history
    history = fit(model, nn.BCELoss(), optim.Adam(model.parameters()), (x, y), epochs=50,
                  validation_split=0.2, metrics=["accuracy"], callbacks=[EarlyStopping(patience=3)])
    plot_history(history, "curves.png")

  loop.py       fit, evaluate, predict
  callbacks.py  Callback, History, EarlyStopping, ModelCheckpoint, LambdaCallback
  metrics.py    accuracy, mae, mse, rmse (combined exactly over an epoch)
  progress.py   the per-epoch display, plot_history
"""
from . import metrics
from .callbacks import Callback, EarlyStopping, History, LambdaCallback, ModelCheckpoint
from .loop import evaluate, fit, predict
from .metrics import Accuracy, MeanAbsoluteError, MeanSquaredError, Metric, RootMeanSquaredError
from .progress import plot_history

__all__ = ["fit", "evaluate", "predict", "Callback", "History", "EarlyStopping", "ModelCheckpoint", "LambdaCallback",
           "metrics", "Metric", "Accuracy", "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError",
           "plot_history"]
