"""Loaders for the real data of the exercises. Each returns plain numpy arrays.

Every file is found and sha256-checked by ``_fetch.locate`` (explicit ``path=`` -> ``$TINYNN_DATA``
-> ``<repo>/data`` -> download where a public URL exists); a missing or corrupt file raises
``DatasetNotFoundError`` saying which file, where it looked and where to get it. A file that is
found but cannot be read (truncated, corrupt, another layout) raises ``DataFileError`` naming it.
"""
import csv
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ._fetch import DatasetNotFoundError, locate
from ._files import DataFileError, check_complete_text, open_maybe_gzip, reading
from ._idx import read_idx
from ._registry import data_set

HIGGS_FEATURES = (
    ["lepton_pT", "lepton_eta", "lepton_phi", "missing_energy_magnitude", "missing_energy_phi"]
    + [f"jet{j}_{q}" for j in range(1, 5) for q in ("pt", "eta", "phi", "b-tag")]
    + ["m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb"])
SUSY_FEATURES = ["lepton1_pT", "lepton1_eta", "lepton1_phi", "lepton2_pT", "lepton2_eta", "lepton2_phi",
                 "missing_energy_magnitude", "missing_energy_phi", "MET_rel", "axial_MET", "M_R",
                 "M_TR_2", "R", "MT2", "S_R", "M_Delta_R", "dPhi_r_b", "cos_theta_r1"]


@dataclass
class LabelledData:
    """Features ``X`` (n, d) float64, labels ``y`` (n,) int64 (1 = signal), column names, and which
    columns are low-/high-level (``groups``). ``source`` says in words which file was read and how."""
    X: np.ndarray
    y: np.ndarray
    feature_names: list
    groups: dict
    source: str
    extra: dict = field(default_factory=dict)


def _paths(name, path=None, download=True):
    return [locate(f, path=path, download=download) for f in data_set(name).files]


def load_projection2d(path=None, download=True):
    """S3.2 "projection trick": points ``X`` (500, 2) float64 and labels ``y`` (500,) int32.

    Class 1 is an inner disc (r < 0.78), class 0 a ring around it: not linearly separable in
    (x, y), separable after adding r^2. ``path``: a folder holding data2d.npy and labels.npy.
    """
    return tuple(_load_npy(p) for p in _paths("projection2d", path, download))


def _load_npy(file):
    with reading(file, "a .npy array"):
        return np.load(file, allow_pickle=False)


@dataclass
class Phi4Lattices:
    """The S5.2 lattices: train (2, 1000, 16, 16), test (24, 100, 16, 16), float32, and their kappas."""
    train: np.ndarray
    test: np.ndarray
    kappa_train: np.ndarray
    kappa_test: np.ndarray


def load_phi4_lattices(path=None, download=True):
    """phi^4 field configurations on a periodic 16x16 lattice (MLPH sheet 5, exercise 2).

    train[0] is the symmetric phase (kappa = 0.24), train[1] the broken phase (kappa = 0.30);
    test[i] holds 100 lattices at kappa_test[i] = arange(0.24, 0.30, 0.0025)[i].
    """
    trf, tef = _paths("phi4_lattices", path, download)
    train, test = _load_npy(trf), _load_npy(tef)
    kappa_test = np.arange(0.24, 0.30, 0.0025)
    if kappa_test.shape[0] != test.shape[0]:
        raise DataFileError(f"{tef}: {test.shape[0]} kappa groups, expected {kappa_test.shape[0]}")
    return Phi4Lattices(train, test, np.array([0.24, 0.30]), kappa_test)


_ZEE_NEEDED = ("pt1", "pt2", "eta1", "eta2", "phi1", "phi2")
_RECORD545_HEADER = "Run,Event,pt1,eta1,phi1,Q1"


def load_zee(path=None, unique_events=False, download=True):
    """Z -> ee candidates as a dict ``column name -> (n,) array`` (R1.2).

    The staged file is the CMS 2010 e-Lab ``Zee.csv``: 663 rows, columns Type, Run, Event, E1, px1,
    py1, pz1, pt1, eta1, phi1, Q1, the same for lepton 2, and M (GeV). Events with more than two
    electrons list every pair, so only 500 (Run, Event) are unique; ``unique_events=True`` keeps
    the first pair of each event. A user may pass ``path=`` to the CERN Open Data record 545
    ``Zee.csv`` (Run, Event, pt1, eta1, phi1, Q1, type1, ...; no M): it is read as well (without a
    checksum: no reference hash is known), and M is added from the massless formula
    M^2 = 2 pT1 pT2 (cosh(eta1 - eta2) - cos(phi1 - phi2)).
    """
    f = data_set("zee").files[0]
    if path is not None and Path(path).is_file() and _first_line(path).startswith(_RECORD545_HEADER):
        file = Path(path)
    else:
        file = locate(f, path=path, download=download)
    with reading(file, "a Z -> ee csv table"), open(file, newline="") as fh:
        rows = list(csv.reader(fh))
        header, body = [h.strip() for h in rows[0]], [r for r in rows[1:] if r]
        short = [i + 2 for i, r in enumerate(body) if len(r) != len(header)]
        if short:
            raise DataFileError(f"{file}: line {short[0]} has not the {len(header)} columns of the header"
                                f" ({len(short)} such lines; a truncated or damaged file?)")
        missing = [c for c in _ZEE_NEEDED if c not in header]
        if missing:
            raise DataFileError(f"{file}: columns {missing} missing; header is {header}")
        table = {name: _column([r[i] for r in body]) for i, name in enumerate(header)}
    if "M" not in table:
        t = table
        table["M"] = np.sqrt(2 * t["pt1"] * t["pt2"] * (np.cosh(t["eta1"] - t["eta2"])
                                                        - np.cos(t["phi1"] - t["phi2"])))
    if unique_events:
        first = {}
        for i, key in enumerate(zip(table["Run"].tolist(), table["Event"].tolist())):
            first.setdefault(key, i)
        keep = sorted(first.values())
        table = {k: v[keep] for k, v in table.items()}
    return table


def _first_line(path):
    with open(path, newline="") as fh:
        return fh.readline().strip().replace(" ", "")


def _column(values):
    """Text values -> int64 if all are integers, float64 if all are numbers, else str."""
    for kind in (int, float):
        try:
            return np.array([kind(v) for v in values], dtype=np.int64 if kind is int else np.float64)
        except ValueError:
            continue
    return np.array(values, dtype=str)


def load_boston(path=None, download=True):
    """Boston house prices (H3): ``X`` (506, 13) float64, target MEDV ``y`` (506,) in k$, feature names.

    Ethical caveat, stated with the data: column B = 1000 (Bk - 0.63)^2, Bk the proportion of Black
    residents, encodes the authors' assumption that racial self-segregation raises house prices.
    scikit-learn removed the data set for this reason; we keep it only because the exercise uses it,
    and examples should drop or at least question column B.
    """
    (file,) = _paths("boston", path, download)
    with reading(file, "the Boston csv table"), open(file) as fh:
        names = [h.strip().strip('"') for h in fh.readline().split(",")]
        table = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    return table[:, :-1], table[:, -1], names[:-1]


def load_mnist(scale=False, path=None, download=True):
    """MNIST digits (H4) as ``(x_train, y_train), (x_test, y_test)``, like ``keras.datasets.mnist``.

    Images are (N, 1, 28, 28): uint8 0..255 (0 = background), or float32 in [0, 1] with
    ``scale=True``; labels are int64 in 0..9. N = 60000 train, 10000 test.
    """
    xtr, ytr, xte, yte = (read_idx(p) for p in _paths("mnist", path, download))
    out = []
    for x, y in ((xtr, ytr), (xte, yte)):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],):
            raise DataFileError(f"MNIST images {x.shape} and labels {y.shape} do not fit together")
        x = x[:, None]
        out.append((x.astype(np.float32) / 255 if scale else x, y.astype(np.int64)))
    return tuple(out)


def _full_file(name, path):
    """The user's full UCI file (``path=`` to it, or ``X.csv(.gz)`` in ``path`` or under the data
    root), or None when they do not have it. No reference sha256 exists for these files."""
    if path is not None and Path(path).is_file():
        return Path(path).absolute()
    f = data_set(name).files[0]
    for g in (f, replace(f, key=f.key[:-3])):
        try:
            return locate(g, path=path, download=False)
        except DatasetNotFoundError:
            continue
    return None


def _read_full(file, nrows, names, n_low):
    what = f"a csv table of label + {len(names)} features"
    with reading(file, what):
        with open_maybe_gzip(file, "rt") as fh:
            delimiter = "," if "," in fh.readline() else None  # UCI: commas; LightGBM copy: tabs
        with open_maybe_gzip(file, "rt") as fh:
            table = np.loadtxt(fh, delimiter=delimiter, max_rows=nrows, dtype=np.float64, ndmin=2)
    if nrows is None or table.shape[0] < nrows:  # read to the end: was the end really there?
        check_complete_text(file)
    if table.shape[1] != len(names) + 1:
        raise DataFileError(f"{file}: {table.shape[1]} columns, expected {len(names) + 1} (label + features)")
    groups = {"low": list(range(n_low)), "high": list(range(n_low, len(names)))}
    source = f"full UCI file {file}, first {table.shape[0]} rows (not checksummed: no reference hash)"
    return LabelledData(table[:, 1:], table[:, 0].astype(np.int64), list(names), groups, source)


def _check_nrows(nrows):
    if nrows is not None and (int(nrows) != nrows or nrows < 1):
        raise ValueError(f"nrows must be a positive integer or None, got {nrows!r}")


def _truncate(data, nrows, what):
    if nrows is not None and nrows > data.X.shape[0]:
        warnings.warn(f"{what} has only {data.X.shape[0]} rows; returning all of them, not {nrows}",
                      stacklevel=3)
    if nrows is not None:
        data.X, data.y = data.X[:nrows], data.y[:nrows]
    return data


def load_higgs(nrows=None, path=None, download=True):
    """UCI HIGGS (H5): label (1 signal, 0 background), 21 low-level and 7 high-level features.

    Reads the user's full ``HIGGS.csv(.gz)`` (``path=`` to it, or ``higgs/`` under the data root)
    streaming only the first ``nrows`` rows; otherwise the staged subset: the first 7000 rows of
    HIGGS (LightGBM's binary.train) followed by 500 more rows (binary.test), values rounded to
    3 decimals, in that order (``extra["n_train_file"] = 7000`` marks the boundary).
    ``source`` says which was read.
    """
    _check_nrows(nrows)
    full = _full_file("higgs_full", path)
    if full is not None:
        return _read_full(full, nrows, HIGGS_FEATURES, 21)
    parts = []
    for file in _paths("higgs_subset", path, download):
        with reading(file, "a LightGBM HIGGS table"), open_maybe_gzip(file, "rt") as fh:
            parts.append(np.loadtxt(fh, dtype=np.float64, ndmin=2))
    table = np.concatenate(parts)
    groups = {"low": list(range(21)), "high": list(range(21, 28))}
    data = LabelledData(table[:, 1:], table[:, 0].astype(np.int64), list(HIGGS_FEATURES), groups,
                        "staged HIGGS subset (LightGBM binary.train + binary.test), 7500 rows",
                        {"n_train_file": parts[0].shape[0]})
    return _truncate(data, nrows, "the staged HIGGS subset")


def load_susy(nrows=None, path=None, download=True):
    """UCI SUSY (P1): label (1 SUSY signal, 0 background), 8 low-level and 10 high-level features.

    With the user's full ``SUSY.csv(.gz)`` (``path=`` to it, or ``susy/`` under the data root) the
    first ``nrows`` rows of all 18 features. Otherwise the staged subset, which has ONLY the
    8 low-level features, each already standardised (mean 0, std 1 on its 10k training rows), and
    labels +-1 in separate files, mapped here to 1/0: 10000 train rows then 1000 test rows
    (``extra["n_train_file"]``), ``groups["high"] == []``. ``source`` says which was read.
    """
    _check_nrows(nrows)
    full = _full_file("susy_full", path)
    if full is not None:
        return _read_full(full, nrows, SUSY_FEATURES, 8)
    xtr, ytr, xte, yte = (_read_csv_gz(p) for p in _paths("susy_subset", path, download))
    X, labels = np.concatenate([xtr, xte]), np.concatenate([ytr, yte]).ravel()
    if not np.all(np.isin(labels, (-1.0, 1.0))):
        raise DataFileError("SUSY subset labels should be -1/+1")
    data = LabelledData(X, (labels > 0).astype(np.int64), SUSY_FEATURES[:8],
                        {"low": list(range(8)), "high": []},
                        "staged SUSY subset (STRUMPACK susy_10Kn): 8 low-level features only, "
                        "standardised; labels +-1 mapped to 1/0; 10000 + 1000 rows",
                        {"n_train_file": xtr.shape[0]})
    return _truncate(data, nrows, "the staged SUSY subset")


def _read_csv_gz(file):
    with reading(file, "a csv table"), open_maybe_gzip(file, "rt") as fh:
        return np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)


