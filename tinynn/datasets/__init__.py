"""Data for the exercises: checksummed loaders for the real files, and generators for what the
project makes itself (phi^4 lattices by HMC, amplitude-regression events, toy sets, digit images).

Everything returns numpy arrays. Real files are looked up in ``path=`` -> ``$TINYNN_DATA`` ->
``<repo>/data`` -> downloaded from their public origin where one exists (sha256-verified).
``python -m tinynn.datasets`` shows what is found on this machine.
"""
from ._fetch import DatasetNotFoundError
from ._files import DataFileError
from .amplitudes import amplitude_splits, generate_amplitude_events, squared_amplitude
from .digits import read_digit_png, render_digit, save_digit_png
from .loaders import (HIGGS_FEATURES, SUSY_FEATURES, LabelledData, Phi4Lattices, load_boston,
                      load_higgs, load_mnist, load_phi4_lattices, load_projection2d, load_susy,
                      load_zee)
from .phi4 import generate_phi4_lattices, hmc_phi4, magnetisation, mean_abs_magnetisation
from .toys import (charges_grid, make_blobs, make_circles, make_linear, make_moons,
                   make_regression_2d, make_xor, regression_function_2d, two_densities, xor_points)

__all__ = [
    "DatasetNotFoundError", "DataFileError", "LabelledData", "Phi4Lattices", "HIGGS_FEATURES", "SUSY_FEATURES",
    "load_projection2d", "load_phi4_lattices", "load_zee", "load_boston", "load_mnist",
    "load_higgs", "load_susy",
    "hmc_phi4", "generate_phi4_lattices", "magnetisation", "mean_abs_magnetisation",
    "generate_amplitude_events", "amplitude_splits", "squared_amplitude",
    "charges_grid", "make_moons", "make_circles", "make_blobs", "make_xor", "xor_points",
    "make_linear", "make_regression_2d", "regression_function_2d", "two_densities",
    "render_digit", "save_digit_png", "read_digit_png",
]
