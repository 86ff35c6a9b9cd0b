"""`tinynn.data`: getting data into a network.

  loader.py         Dataset, TensorDataset, Subset, DataLoader, random_split (PyTorch's names)
  preprocessing.py  Standardizer (fit on train, apply to all, invertible), one_hot
  splits.py         KFold, train_test_split (scikit-learn's semantics)

    ds = TensorDataset(x, y)
    train, val = random_split(ds, [0.8, 0.2], generator=0)
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...
"""
from .loader import DataLoader, Dataset, Subset, TensorDataset, collate, random_split
from .preprocessing import Standardizer, one_hot
from .splits import KFold, train_test_split

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "collate", "Standardizer",
           "one_hot", "KFold", "train_test_split"]
