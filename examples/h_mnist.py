"""H4 — the course's Keras MNIST CNN in tinynn: summary, training with callbacks, curves, reloading, your own digit.

Model (Keras's Sequential of the slides; tinynn's layout is channels-first, (N, 1, 28, 28)):
    Conv2D(8, 3×3, relu) → MaxPooling2D(2×2) → Flatten → Dense(16, relu) → Dense(10, softmax)
    parameters: 8·(3·3·1) + 8 = 80,  1352·16 + 16 = 21,648,  16·10 + 10 = 170  →  21,898.
The softmax is folded into the loss: nn.CrossEntropyLoss takes the 10 logits (log-softmax + negative
log-likelihood in one stable step), which is Keras's softmax + categorical cross-entropy.
Training as on the slides: Adam (lr 0.001), batch size 200, at most 50 epochs, validation_split=0.5
(the LAST half of the 60,000 training images, taken before shuffling, as Keras does),
EarlyStopping(patience=2) on the validation loss and ModelCheckpoint(save_best_only=True), which keeps
the weights of the epoch with the lowest validation loss in OUT/H4/mnist_model.npz.
With these settings the net trains on 30,000 images and stops after ~15–20 epochs at ≈ 97.5 % test
accuracy (the same recipe in PyTorch gave 97.6–97.7 % in a cross-check); more epochs or all 60,000
images would add a few tenths of a percent.
Then (c): the checkpoint is loaded into a freshly built model — its validation loss must equal the
best epoch's — and used to classify digits drawn by matplotlib (`tinynn.datasets.render_digit`,
framed like MNIST: 20×20 box, centre of mass at the centre), saved as 28×28 PNGs and read back, and
any PNG given with --image (dark-on-light drawings are inverted automatically).

    python examples/h_mnist.py [--quick] [--out out] [--seed 0] [--image my_digit.png ...]
"""
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # small matrices: BLAS threads only cost time on a shared CPU

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import tinynn as tn  # noqa: E402
import tinynn.nn as nn  # noqa: E402
import tinynn.optim as optim  # noqa: E402
from _common import Results, parse_args  # noqa: E402
from tinynn.datasets import load_mnist, read_digit_png, render_digit, save_digit_png  # noqa: E402
from tinynn.train import EarlyStopping, ModelCheckpoint, evaluate, fit, predict  # noqa: E402


def mnist_cnn():
    """The slides' model, initialised as Keras does: Glorot-uniform weights, zero biases (PyTorch's
    default U(±1/√fan_in) is 2.5× smaller for the 1352 → 16 layer, and trains visibly slower)."""
    model = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(13 * 13 * 8, 16), nn.ReLU(), nn.Linear(16, 10))
    for layer in (model[0], model[4], model[6]):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return model


def probabilities(model, images):
    """Softmax of the logits for uint8 images (n, 28, 28)."""
    x = images.astype(np.float32)[:, None] / 255
    logits = predict(model, x, batch_size=500)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def curves_figure(history, stopped, best_epoch, test_acc, path):
    h = history.history
    epochs = np.arange(1, len(h["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, label in ((axes[0], "loss", "cross-entropy"), (axes[1], "accuracy", "accuracy")):
        ax.plot(epochs, h[key], "o-", ms=3, label="training")
        ax.plot(epochs, h["val_" + key], "s-", ms=3, label="validation")
        ax.axvline(best_epoch, color="gray", ls=":", label=f"best val. loss: epoch {best_epoch} (checkpoint)")
        ax.set(xlabel="epoch", ylabel=label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_title("H4a: loss" + (f" — early stopping after epoch {stopped}" if stopped else ""))
    axes[1].set_title(f"H4a: accuracy — test accuracy of the checkpoint {test_acc:.2%}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def digits_figure(images, probs, titles, path, per_row=5):
    """Each image above a bar chart of its class probabilities, `per_row` images per row."""
    n = len(images)
    rows = -(-n // per_row)
    fig = plt.figure(figsize=(2.3 * per_row, 3.1 * rows + 0.4), layout="constrained")
    cells = np.atleast_2d(fig.subfigures(rows, per_row))
    for j, cell in enumerate(cells.ravel()):
        if j >= n:
            continue
        top, bottom = cell.subplots(2, 1, gridspec_kw=dict(height_ratios=[2.2, 1]))
        top.imshow(images[j], cmap="gray", vmin=0, vmax=255)
        top.set(xticks=[], yticks=[])
        top.set_title(f"{titles[j]}\n→ {probs[j].argmax()} (p = {probs[j].max():.2f})", fontsize=10)
        bottom.bar(range(10), probs[j], color=["C3" if k == probs[j].argmax() else "C0" for k in range(10)])
        bottom.set(xticks=range(10), ylim=(0, 1), yticks=[0, 1])
        bottom.tick_params(labelsize=8)
    fig.suptitle("H4c: the reloaded checkpoint classifies 28×28 PNG digits (bars: p(digit))", fontsize=12)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    args = parse_args(__doc__, extra=lambda p: p.add_argument(
        "--image", nargs="*", default=[], help="PNG files of digits to classify with the trained model"))
    res = Results("h_mnist", args)
    tn.manual_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(scale=True)
    if args.quick:                                # 10,000 images: 5,000 to train, 5,000 to validate
        x_train, y_train, x_test, y_test = x_train[:10000], y_train[:10000], x_test[:2000], y_test[:2000]

    model = mnist_cnn()
    table = model.summary((1, 28, 28))
    res.add("H4", "Keras-style summary of Conv(8,3×3)→MaxPool 2→Flatten→Dense 16→Dense 10",
            {"total parameters": table.total_params, "trainable": table.trainable_params},
            check=table.total_params == 21_898)

    folder = os.path.dirname(res.figure("H4", "training_curves"))
    checkpoint_path = os.path.join(folder, "mnist_model.npz")
    early = EarlyStopping(monitor="val_loss", patience=2)
    checkpoint = ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True)
    loss = nn.CrossEntropyLoss()
    history = fit(model, loss, optim.Adam(model.parameters(), lr=1e-3), (x_train, y_train),
                  epochs=4 if args.quick else 50, batch_size=200, validation_split=0.5, metrics=["accuracy"],
                  callbacks=[checkpoint, early], verbose=1, generator=args.seed)
    best_epoch = int(np.argmin(history.history["val_loss"])) + 1

    # (b)/(c) a fresh model from the checkpoint
    fresh = mnist_cnn()
    fresh.load_state_dict(tn.load(checkpoint_path))
    half = len(x_train) - len(x_train) // 2              # Keras: validation = the last half
    val_loss = evaluate(fresh, loss, (x_train[half:], y_train[half:]), batch_size=200)
    test_loss, test_acc = evaluate(fresh, loss, (x_test, y_test), metrics=["accuracy"], batch_size=500)
    path = res.figure("H4", "training_curves")
    stopped = early.stopped_epoch + 1 if early.stopped_epoch else 0
    curves_figure(history, stopped, best_epoch, test_acc, path)
    same = abs(val_loss - min(history.history["val_loss"])) <= 1e-5 * max(1.0, val_loss)
    res.add("H4a-b", "training with EarlyStopping + ModelCheckpoint; checkpoint reloaded into a fresh model",
            {"epochs run": len(history.epoch), "best epoch": best_epoch, "stopped early": bool(stopped),
             "best val. loss in history": min(history.history["val_loss"]), "reloaded val. loss": val_loss,
             "test accuracy": test_acc, "test loss": test_loss}, [path],
            check=same and test_acc >= (0.7 if args.quick else 0.97))

    # (c) rendered digits written as PNG and read back, plus the user's images
    images, titles, truth = [], [], []
    for d in range(10):
        png = os.path.join(folder, f"rendered_digit_{d}.png")
        save_digit_png(png, render_digit(d))
        images.append(read_digit_png(png))
        titles.append(f"rendered {d}")
        truth.append(d)
    for png in args.image:
        images.append(read_digit_png(png))
        titles.append(os.path.basename(png))
    probs = probabilities(fresh, np.stack(images))
    path = res.figure("H4", "own_digits")
    digits_figure(images, probs, titles, path)
    for title, p in zip(titles[10:], probs[10:]):
        print(f"  {title}: classified as {p.argmax()} with p = {p.max():.3f}")
    correct = int(np.sum(probs[:10].argmax(1) == np.array(truth)))
    res.add("H4c", "checkpoint classifies matplotlib-rendered 28×28 PNG digits 0–9" +
            (f" and {len(args.image)} PNG(s) from --image" if args.image else ""),
            {"rendered digits right": f"{correct}/10", "predictions": " ".join(str(int(k)) for k in probs.argmax(1))},
            [path], check=correct >= (1 if args.quick else 6))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
