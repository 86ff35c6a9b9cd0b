"""CART: growing a binary decision tree by exhaustive best splits.

A node holding samples S is split on the feature f and threshold t that most
reduce the summed impurity, ``|S| I(S) - |L| I(L) - |R| I(R)`` with
``L = {x_f <= t}``, ``R = S \\ L``. For every feature the node's samples are
visited in sorted order, so all ``|S| - 1`` candidate splits are scored at once
from cumulative sums of the targets ``Y`` (one-hot rows for classification):

* squared error and Gini share one formula. With ``ΣL`` the cumulative sum of
  the node-centred targets, the decrease is ``|ΣL|² |S| / (|L| |R|)``
  (Gini impurity of one-hot rows is exactly their mean squared deviation).
* entropy: ``|S| H(S) - |L| H(L) - |R| H(R)``, with ``n H = n log n - Σ c log c``
  over class counts c (in bits).

Thresholds are midpoints between consecutive distinct sorted values. Each
feature is sorted once at the root; children inherit the sorted orders by a
stable partition, so growing costs O(n_features · n) per tree level.
The search and the partition run as numba kernels (`cart_kernels`); their
numpy twins here are the reference, the path under ``NUMBA_DISABLE_JIT=1`` and
the one of backend 'numpy' (the same switch as the network kernels':
``backend=``, ``tinynn.kernels.set_backend`` or ``TINYNN_BACKEND``).
"""

import numpy as np

from ..kernels import backend as _backend
from ..kernels.warmup import jit_disabled
from . import cart_kernels


class Tree:
    """A fitted tree in flat arrays, one entry per node (node 0 is the root).

    Internal node i sends a sample with ``x[feature[i]] <= threshold[i]`` to
    ``left[i]``, otherwise to ``right[i]``. Leaves have ``feature = -1`` and
    ``left = right = -1``. ``value[i]`` (shape (n_nodes, n_outputs)) is the
    node's prediction: class fractions for classification, the mean target for
    regression. ``impurity`` and ``n_node_samples`` describe the training data.
    """

    def __init__(self, feature, threshold, left, right, value, impurity, n_node_samples, depth):
        self.feature = np.asarray(feature, dtype=np.intp)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.intp)
        self.right = np.asarray(right, dtype=np.intp)
        self.value = np.asarray(value, dtype=np.float64)
        self.impurity = np.asarray(impurity, dtype=np.float64)
        self.n_node_samples = np.asarray(n_node_samples, dtype=np.intp)
        self.depth = np.asarray(depth, dtype=np.intp)

    @property
    def node_count(self):
        return len(self.feature)

    @property
    def max_depth(self):
        """Edges on the longest root-to-leaf path (a single leaf has depth 0)."""
        return int(self.depth.max())

    @property
    def n_leaves(self):
        return int(np.sum(self.feature < 0))

    def apply(self, X):
        """Index of the leaf each row of ``X`` (n, n_features) lands in, shape (n,).

        All samples descend together, one level per loop iteration.
        """
        node = np.zeros(len(X), dtype=np.intp)
        active = np.arange(len(X))
        while active.size:
            active = active[self.feature[node[active]] >= 0]
            at = node[active]
            go_left = X[active, self.feature[at]] <= self.threshold[at]
            node[active] = np.where(go_left, self.left[at], self.right[at])
        return node

    def predict(self, X):
        """``value`` of each sample's leaf, shape (n, n_outputs)."""
        return self.value[self.apply(X)]

    def feature_importances(self, n_features):
        """Total impurity decrease contributed by each feature, normalised to sum 1."""
        imp = np.zeros(n_features)
        for i in np.flatnonzero(self.feature >= 0):
            l, r = self.left[i], self.right[i]
            imp[self.feature[i]] += (self.n_node_samples[i] * self.impurity[i]
                                     - self.n_node_samples[l] * self.impurity[l]
                                     - self.n_node_samples[r] * self.impurity[r])
        total = imp.sum()
        return imp / total if total > 0 else imp


def _xlogx(c):
    """c log2 c with 0 log 0 = 0."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c > 0, c * np.log2(np.where(c > 0, c, 1.0)), 0.0)


def _gain_squared(Ys, node_mean):
    """Decrease of n·(mean squared deviation) for every split of the sorted rows ``Ys`` (m, k)."""
    m = len(Ys)
    left = np.cumsum(Ys - node_mean, axis=0)[:-1]
    n_left = np.arange(1, m)
    return (left * left).sum(axis=1) * m / (n_left * (m - n_left))


def _gain_entropy(Ys, node_total):
    """Decrease of n·entropy (bits) for every split of the sorted one-hot rows ``Ys`` (m, K)."""
    m = len(Ys)
    left = np.cumsum(Ys, axis=0)[:-1]
    n_left = np.arange(1, m)

    def n_entropy(counts, n):
        return _xlogx(n) - _xlogx(counts).sum(axis=-1)

    return n_entropy(node_total, m) - n_entropy(left, n_left) - n_entropy(node_total - left, m - n_left)


def node_impurity(Ys, criterion):
    """Impurity of one node: Gini 1 - Σp², entropy -Σp log2 p, or the mean variance of Y."""
    if criterion == "squared_error":
        return float(Ys.var(axis=0).mean())
    p = Ys.mean(axis=0)
    if criterion == "gini":
        return float(1.0 - p @ p)
    return float(-_xlogx(p).sum())


def best_split_numpy(XT, Y, order, features, node_stat, criterion, min_leaf, max_features):
    """Best (gain, feature, position) over ``features``; gain -inf if no split is valid.

    ``order[f]`` lists the node's samples sorted by feature f; ``position`` is the
    last sorted index that goes left. A position is valid where consecutive
    sorted values differ and both sides keep at least ``min_leaf`` samples.
    With ``max_features > 0`` the search stops after that many features that vary
    within the node (scikit-learn's rule). ``node_stat`` is the node's mean row
    (squared error, Gini) or its class counts (entropy). numba twin:
    `cart_kernels.best_split_squared` / `best_split_entropy`.
    """
    m = order.shape[1]
    gain_fn = _gain_entropy if criterion == "entropy" else _gain_squared
    best_gain, best_f, best_pos, visited = -np.inf, -1, -1, 0
    for f in features:
        x = XT[f, order[f]]
        if x[0] == x[-1]:
            continue                                   # constant here: cannot split, not counted
        visited += 1
        gain = gain_fn(Y[order[f]], node_stat)
        valid = x[:-1] < x[1:]
        valid[: min_leaf - 1] = False
        valid[m - min_leaf:] = False
        if valid.any():
            pos = int(np.flatnonzero(valid)[np.argmax(gain[valid])])
            if gain[pos] > best_gain:
                best_gain, best_f, best_pos = float(gain[pos]), int(f), pos
        if max_features > 0 and visited >= max_features:
            break
    return best_gain, best_f, best_pos


def partition_numpy(order, in_left, n_left):
    """Split every row of ``order`` into samples with ``in_left`` and the rest, keeping order."""
    mask = in_left[order]                              # the same count in every row
    d, m = order.shape
    return order[mask].reshape(d, n_left), order[~mask].reshape(d, m - n_left)


def use_numba(backend=None):
    """True for backend 'numba', and for 'auto' unless ``NUMBA_DISABLE_JIT=1`` (then the loops would run
    in Python); False for 'numpy' and 'reference'. None means the backend in force (tinynn.kernels)."""
    name = _backend.get_backend() if backend is None else _backend.check(backend)
    return name == "numba" or (name == "auto" and not jit_disabled())


def grow_tree(X, Y, order, criterion, max_depth=None, min_samples_split=2, min_samples_leaf=1,
              max_features=None, rng=None, backend=None):
    """Grow a CART tree depth-first and return it as a `Tree`.

    X: (n, d) float64 features. Y: (n, k) float64 targets (one-hot for
    classification). order: (d, m) — for each feature, the indices of the m
    training samples (a subset of the n rows is allowed) sorted by that feature.
    A node becomes a leaf when it is pure, at ``max_depth``, has fewer than
    ``min_samples_split`` samples, or has no valid split. With ``max_features``
    the features are tried in a random order drawn from ``rng`` at every node.
    ``backend``: a kernel backend name, or None for the one in force (see `use_numba`).
    """
    if use_numba(backend):
        search = (cart_kernels.best_split_entropy if criterion == "entropy"
                  else cart_kernels.best_split_squared)
        split_orders = cart_kernels.partition
    else:
        def search(*args):
            return best_split_numpy(*args[:5], criterion, *args[5:])
        split_orders = partition_numpy
    XT = np.ascontiguousarray(X.T)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    n_features = X.shape[1]
    all_features = np.arange(n_features)
    feature, threshold, left, right, value, impurity, n_samples, depth = ([] for _ in range(8))
    in_left = np.zeros(len(X), dtype=bool)
    stack = [(np.ascontiguousarray(order, dtype=np.intp), 0, -1, False)]
    while stack:                                       # items: (sorted orders, depth, parent, is_left)
        node_order, d, parent, is_left = stack.pop()
        node = len(feature)
        if parent >= 0:
            (left if is_left else right)[parent] = node
        Ys = Y[node_order[0]]
        m = len(Ys)
        feature.append(-1)
        threshold.append(np.nan)
        left.append(-1)
        right.append(-1)
        value.append(Ys.mean(axis=0))
        impurity.append(node_impurity(Ys, criterion))
        n_samples.append(m)
        depth.append(d)

        if (max_depth is not None and d >= max_depth) or m < min_samples_split \
                or m < 2 * min_samples_leaf or np.all(Ys == Ys[0]):
            continue
        features = all_features if max_features is None else rng.permutation(n_features)
        node_stat = Ys.sum(axis=0) if criterion == "entropy" else value[node]
        _, f, pos = search(XT, Y, node_order, features, node_stat, min_samples_leaf,
                           max_features or 0)
        if f < 0:
            continue
        lo, hi = XT[f, node_order[f, pos]], XT[f, node_order[f, pos + 1]]
        t = 0.5 * (lo + hi)
        feature[node], threshold[node] = f, (lo if t >= hi else t)   # midpoint may round up to hi
        goes_left = node_order[f, :pos + 1]
        in_left[goes_left] = True
        left_order, right_order = split_orders(node_order, in_left, pos + 1)
        in_left[goes_left] = False
        stack.append((right_order, d + 1, node, False))
        stack.append((left_order, d + 1, node, True))  # popped first: pre-order numbering
    return Tree(feature, threshold, left, right, np.array(value), impurity, n_samples, depth)


def presort(X):
    """(n_features, n) array: for each feature, the sample indices in ascending order."""
    return np.argsort(X, axis=0, kind="stable").T.copy()
