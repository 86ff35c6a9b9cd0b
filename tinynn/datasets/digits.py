"""28x28 digit images framed the way MNIST's are, for H4's "classify your own digit" step.

MNIST's recipe (LeCun et al.): the digit is scaled to fit a 20x20 box, keeping its aspect ratio,
with anti-aliasing (grey levels at the edges); it is then placed in a 28x28 field so that its
centre of mass sits at the centre, pixel (14, 14) (measured on MNIST: mean 13.99 / 14.00,
spread 0.29 from the whole-pixel shift). Ink is bright (255) on a black (0) background.
``render_digit`` draws a digit with matplotlib's text and applies that recipe; ``read_digit_png``
applies it to any PNG a user drew (dark-on-light drawings are inverted first).
"""
from pathlib import Path

import numpy as np
from PIL import Image

from .._atomic import atomic_write


def mnist_frame(ink, size=28, box=20):
    """Grey image ``ink`` (H, W), bright ink on dark, any range -> uint8 (size, size) in MNIST framing."""
    ink = np.asarray(ink, dtype=np.float64)
    if ink.ndim != 2:
        raise ValueError(f"need a 2-D grey image, got shape {ink.shape}")
    ink = ink - ink.min()
    if ink.max() <= 0:
        raise ValueError("the image is blank: no ink to frame")
    rows, cols = np.nonzero(ink > 0.05 * ink.max())
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1] / ink.max()
    scale = box / max(crop.shape)
    h, w = (max(1, round(d * scale)) for d in crop.shape)
    small = Image.fromarray(np.round(255 * crop).astype(np.uint8)).resize((w, h), Image.Resampling.BOX)
    small = np.asarray(small, dtype=np.float64)
    mass = small.sum()
    com = np.array([(small.sum(1) * np.arange(h)).sum(), (small.sum(0) * np.arange(w)).sum()]) / mass
    top, left = (int(np.clip(round(size / 2 - c), 0, size - d)) for c, d in zip(com, (h, w)))
    out = np.zeros((size, size))
    out[top:top + h, left:left + w] = small
    return np.round(out).astype(np.uint8)


def render_digit(digit, font="DejaVu Sans", weight="normal", style="normal", rotation=0.0):
    """A digit 0-9 drawn by matplotlib (anti-aliased), MNIST-framed: uint8 (28, 28), ink = 255."""
    if str(digit) not in "0123456789" or len(str(digit)) != 1:
        raise ValueError(f"digit must be one of 0..9, got {digit!r}")
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # here: loaders need no matplotlib
    from matplotlib.figure import Figure
    fig = Figure(figsize=(1.5, 1.5), dpi=100, facecolor="black")
    canvas = FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, str(digit), color="white", fontsize=80, ha="center", va="center",
             family=font, weight=weight, style=style, rotation=rotation)
    canvas.draw()
    grey = np.asarray(canvas.buffer_rgba(), dtype=np.float64)[..., :3].mean(axis=-1)
    return mnist_frame(grey)


def save_digit_png(path, image):
    """Write a uint8 (28, 28) image as an 8-bit greyscale PNG, atomically (temp file, then rename)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise TypeError(f"need a 2-D uint8 image, got {image.dtype} {image.shape}")
    path = Path(path)
    with atomic_write(path, "save_digit_png") as fh:
        Image.fromarray(image).save(fh, format="PNG")  # 2-D uint8 -> mode "L"
    return path


def read_digit_png(path, frame=True):
    """A PNG digit as uint8 (28, 28), ink = 255: greyscale, inverted when the background is light
    (a drawing in black on white), and with ``frame`` re-framed the MNIST way (``mnist_frame``)."""
    with Image.open(path) as im:
        grey = np.asarray(im.convert("L"), dtype=np.float64)
    if np.median(grey) > 127:
        grey = 255 - grey
    if frame:
        return mnist_frame(grey)
    if grey.shape != (28, 28):
        raise ValueError(f"{path}: image is {grey.shape}, not 28x28; use frame=True to rescale")
    return grey.astype(np.uint8)
