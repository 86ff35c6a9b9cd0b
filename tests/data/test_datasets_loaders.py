"""Loaders against the real staged files ($TINYNN_DATA, else ../shared/data beside the repository):
shapes, dtypes, checksums and values stated in each folder's SOURCE.md."""
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from tinynn.datasets import _fetch, loaders
from tinynn.datasets._idx import read_idx
from tinynn.datasets._registry import REGISTRY
from tinynn.datasets.phi4 import magnetisation

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("TINYNN_DATA") or REPO.parent / "shared" / "data").resolve()


@pytest.fixture(autouse=True)
def staged_data(monkeypatch, tmp_path):
    """Point the loaders at the staged data; make the repository's data/ an empty folder."""
    monkeypatch.setenv("TINYNN_DATA", str(DATA))
    monkeypatch.setattr(_fetch, "repo_data_dir", lambda: tmp_path / "repo_data")


@pytest.fixture(scope="module")
def mnist():
    return loaders.load_mnist(path=DATA / "mnist", download=False)


@pytest.mark.parametrize("f", [f for d in REGISTRY if not d.optional for f in d.files], ids=lambda f: f.key)
def test_registry_checksums_match_the_staged_files(f):
    path = DATA / f.key
    assert path.stat().st_size == f.size
    assert _fetch.sha256_of(path) == f.sha256
    if f.content_sha256:
        assert _fetch.sha256_of(path, decompress=True) == f.content_sha256


def test_projection2d_is_a_disc_inside_a_ring():
    X, y = loaders.load_projection2d(download=False)
    assert X.shape == (500, 2) and X.dtype == np.float64
    assert y.shape == (500,) and y.dtype == np.int32 and np.bincount(y).tolist() == [250, 250]
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() < 0.78 < r[y == 0].min() and r.max() < 1.34


def test_phi4_lattices_shapes_kappas_and_magnetisation():
    d = loaders.load_phi4_lattices(download=False)
    assert d.train.shape == (2, 1000, 16, 16) and d.test.shape == (24, 100, 16, 16)
    assert d.train.dtype == d.test.dtype == np.float32
    np.testing.assert_allclose(d.kappa_test, 0.24 + 0.0025 * np.arange(24), atol=1e-12)
    np.testing.assert_allclose(d.kappa_train, [0.24, 0.30])
    m_test = magnetisation(d.test).mean(axis=1)
    assert 0.10 < m_test[0] < 0.15 and 2.0 < m_test[-1] < 2.2
    assert 0.10 < magnetisation(d.train[0]).mean() < 0.15 and 2.1 < magnetisation(d.train[1]).mean() < 2.3


def test_zee_rows_columns_and_invariant_mass():
    z = loaders.load_zee(download=False)
    assert len(z) == 20 and all(len(v) == 663 for v in z.values())
    assert set(z["Type"]) == {"GSF-GSF"} and z["Run"].dtype == np.int64 and z["M"].dtype == np.float64
    m = np.sqrt(2 * z["pt1"] * z["pt2"] * (np.cosh(z["eta1"] - z["eta2"]) - np.cos(z["phi1"] - z["phi2"])))
    assert np.max(np.abs(m / z["M"] - 1)) < 6e-5
    assert np.sum((z["M"] > 60) & (z["M"] < 120)) == 518
    assert abs(np.mean(z["Q1"] * z["Q2"] < 0) - 0.85) < 0.01
    u = loaders.load_zee(unique_events=True, download=False)
    assert len(u["M"]) == 500 and len(set(zip(u["Run"], u["Event"]))) == 500
    first = {}
    for i, key in enumerate(zip(z["Run"].tolist(), z["Event"].tolist())):
        first.setdefault(key, i)
    np.testing.assert_array_equal(u["M"], z["M"][sorted(first.values())])


def test_zee_reads_the_record_545_layout_and_adds_M(tmp_path):
    header = ("Run,Event,pt1,eta1,phi1,Q1,type1,sigmaEtaEta1,HoverE1,isoTrack1,isoEcal1,isoHcal1,"
              "pt2,eta2,phi2,Q2,type2,sigmaEtaEta2,HoverE2,isoTrack2,isoEcal2,isoHcal2")
    rows = ["165617,74969122,40.0,0.5,0.1,1,EB,0.01,0.0,0.1,0.2,0.3,45.0,-0.5,3.0,-1,EE,0.02,0.0,0.1,0.2,0.3",
            "165617,74969122,40.0,0.5,0.1,1,EB,0.01,0.0,0.1,0.2,0.3,20.0,1.5,-2.0,1,EB,0.02,0.0,0.1,0.2,0.3",
            "165617,75138253,30.0,0.0,0.0,1,EB,0.01,0.0,0.1,0.2,0.3,30.0,0.0,3.141592653589793,-1,EB,0.0,0.0,0.1,0.2,0.3"]
    file = tmp_path / "Zee.csv"
    file.write_text(header + "\n" + "\n".join(rows) + "\n")
    z = loaders.load_zee(path=file)
    assert z["type1"].tolist() == ["EB", "EB", "EB"] and z["Run"].dtype == np.int64
    # back-to-back 30 GeV electrons at eta = 0: M = 60 GeV exactly
    assert z["M"][2] == pytest.approx(60.0, rel=1e-12)
    assert z["M"][0] == pytest.approx(np.sqrt(2 * 40 * 45 * (np.cosh(1.0) - np.cos(-2.9))), rel=1e-12)
    assert len(loaders.load_zee(path=file, unique_events=True)["M"]) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(header.replace("eta2", "etaX") + "\n" + rows[0] + "\n")
    with pytest.raises(ValueError, match="eta2"):
        loaders.load_zee(path=bad)


def test_boston_table_and_its_ethics_note():
    X, y, names = loaders.load_boston(download=False)
    assert X.shape == (506, 13) and y.shape == (506,) and X.dtype == np.float64
    assert names[11] == "B" and names[3] == "CHAS" and len(names) == 13
    assert y.mean() == pytest.approx(22.5328, abs=1e-4) and y.min() == 5.0 and y.max() == 50.0
    assert X[:, 3].sum() == 35 and np.all(X[:, 8] == np.round(X[:, 8]))
    np.testing.assert_allclose(X[0, :3], [0.00632, 18, 2.31])
    assert "Black" in loaders.load_boston.__doc__


def test_mnist_shapes_counts_and_pixel_statistics(mnist):
    (xtr, ytr), (xte, yte) = mnist
    assert xtr.shape == (60000, 1, 28, 28) and xte.shape == (10000, 1, 28, 28) and xtr.dtype == np.uint8
    assert ytr.dtype == np.int64
    assert np.bincount(ytr).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(yte).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    counts = np.bincount(xtr.ravel(), minlength=256)  # pixel statistics without a 376 MB float copy
    v = np.arange(256) / 255.0
    mean = counts @ v / counts.sum()
    std = np.sqrt(counts @ (v - mean) ** 2 / counts.sum())
    assert mean == pytest.approx(0.1307, abs=5e-5) and std == pytest.approx(0.3081, abs=5e-5)
    assert ytr[:5].tolist() == [5, 0, 4, 1, 9]


def test_mnist_scale_gives_float32_in_unit_interval(mnist):
    (xs, ys), _ = loaders.load_mnist(scale=True, download=False)
    assert xs.dtype == np.float32 and xs.min() == 0.0 and xs.max() == 1.0
    np.testing.assert_allclose(xs[:100], mnist[0][0][:100] / np.float32(255), rtol=1e-7)


def test_idx_reader_rejects_bad_files(tmp_path):
    good = tmp_path / "ok.idx"
    good.write_bytes(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6)))
    np.testing.assert_array_equal(read_idx(good), np.arange(6, dtype=np.uint8).reshape(2, 3))
    short = tmp_path / "short.idx.gz"
    with gzip.open(short, "wb") as fh:
        fh.write(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(5))
    with pytest.raises(ValueError, match="shape"):
        read_idx(short)
    (tmp_path / "text.idx").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(tmp_path / "text.idx")


def test_higgs_subset_rows_labels_and_first_event():
    h = loaders.load_higgs(download=False)
    assert h.X.shape == (7500, 28) and h.y.dtype == np.int64 and "subset" in h.source
    n = h.extra["n_train_file"]
    assert n == 7000 and h.y[:n].sum() == 3716 and h.y[n:].sum() == 272
    assert h.feature_names[0] == "lepton_pT" and h.feature_names[-1] == "m_wwbb"
    assert len(h.groups["low"]) == 21 and h.groups["high"] == list(range(21, 28))
    np.testing.assert_allclose(h.X[0, :4], [0.869, -0.635, 0.226, 0.327])
    assert loaders.load_higgs(nrows=100, download=False).X.shape == (100, 28)
    with pytest.raises(ValueError, match="nrows"):
        loaders.load_higgs(nrows=0)
    with pytest.warns(UserWarning, match="7500"):
        assert loaders.load_higgs(nrows=10_000, download=False).X.shape == (7500, 28)


def _full_csv(path, n_rows, n_features, seed=0):
    rng = np.random.default_rng(seed)
    table = np.column_stack([rng.integers(0, 2, n_rows), rng.normal(size=(n_rows, n_features))])
    with gzip.open(path, "wt") as fh:
        np.savetxt(fh, table, delimiter=",", fmt="%.18e")
    return table


def test_higgs_full_file_is_streamed_from_path_or_data_root(tmp_path, monkeypatch):
    file = tmp_path / "HIGGS.csv.gz"
    table = _full_csv(file, 12, 28)
    h = loaders.load_higgs(nrows=5, path=file)
    assert h.X.shape == (5, 28) and "full UCI file" in h.source
    np.testing.assert_array_equal(h.X, table[:5, 1:])
    np.testing.assert_array_equal(h.y, table[:5, 0])
    (tmp_path / "root" / "higgs").mkdir(parents=True)
    file.rename(tmp_path / "root" / "higgs" / "HIGGS.csv.gz")
    monkeypatch.setenv("TINYNN_DATA", str(tmp_path / "root"))
    assert loaders.load_higgs().X.shape == (12, 28)


def test_susy_subset_is_standardised_low_level_only():
    s = loaders.load_susy(download=False)
    n = s.extra["n_train_file"]
    assert s.X.shape == (11000, 8) and n == 10000 and s.groups["high"] == []
    assert s.y[:n].sum() == 4628 and s.y[n:].sum() == 456 and set(np.unique(s.y)) == {0, 1}
    np.testing.assert_allclose(s.X[:n].mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(s.X[:n].std(axis=0), 1, atol=1e-3)
    assert "8 low-level features only" in s.source and "standardised" in s.source


def test_susy_full_file_has_18_features(tmp_path):
    file = tmp_path / "SUSY.csv.gz"
    table = _full_csv(file, 7, 18)
    s = loaders.load_susy(path=file)
    assert s.X.shape == (7, 18) and s.groups["high"] == list(range(8, 18))
    np.testing.assert_array_equal(s.X, table[:, 1:])
    _full_csv(tmp_path / "short.csv.gz", 3, 10)
    with pytest.raises(ValueError, match="columns"):
        loaders.load_susy(path=tmp_path / "short.csv.gz")
