"""numba kernels for growing trees: the split search and the partition of sorted orders.

Each is the loop form of a numpy twin in `tinynn.classic.cart` (`best_split_numpy`,
`partition_numpy`) and must choose the same split: the same running sums in the
same order, the first maximum in (feature, position) order. They pay off from a
few thousand samples on (one pass, no temporaries); with ``NUMBA_DISABLE_JIT=1``
`cart` uses the numpy twins instead of running these loops in Python.

Shapes: ``XT`` (n_features, n) — X transposed, so one feature is contiguous;
``Y`` (n, k); ``order`` (n_features, m) sample indices sorted per feature;
``features`` the feature indices to try, in order.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def best_split_squared(XT, Y, order, features, node_mean, min_leaf, max_features):
    """Best (gain, feature, position) for squared error / Gini; gain -inf if none is valid.

    gain = |Σ_left (y - mean)|² · m / (n_left · n_right), the decrease of the summed
    squared deviation; ``position`` is the last sorted index that goes left.
    """
    m = order.shape[1]
    k = Y.shape[1]
    best_gain, best_f, best_pos = -np.inf, -1, -1
    left = np.empty(k)
    visited = 0
    for f in features:
        row, x = order[f], XT[f]
        if x[row[0]] == x[row[m - 1]]:
            continue
        visited += 1
        left[:] = 0.0
        for pos in range(m - 1):
            i = row[pos]
            for c in range(k):
                left[c] += Y[i, c] - node_mean[c]
            n_left = pos + 1
            if n_left < min_leaf or m - n_left < min_leaf or x[i] == x[row[pos + 1]]:
                continue
            s = 0.0
            for c in range(k):
                s += left[c] * left[c]
            gain = s * m / (n_left * (m - n_left))
            if gain > best_gain:
                best_gain, best_f, best_pos = gain, f, pos
        if max_features > 0 and visited >= max_features:
            break
    return best_gain, best_f, best_pos


@njit(cache=True)
def _xlogx(c):
    return c * np.log2(c) if c > 0 else 0.0


@njit(cache=True)
def best_split_entropy(XT, Y, order, features, node_total, min_leaf, max_features):
    """Best (gain, feature, position) for entropy; Y holds one-hot rows, node_total their sum.

    gain = n H(node) - n_l H(left) - n_r H(right), with n H = n log2 n - Σ c log2 c.
    """
    m = order.shape[1]
    k = Y.shape[1]
    total_term = 0.0
    for c in range(k):
        total_term += _xlogx(node_total[c])
    parent = _xlogx(m) - total_term
    best_gain, best_f, best_pos = -np.inf, -1, -1
    left = np.empty(k)
    visited = 0
    for f in features:
        row, x = order[f], XT[f]
        if x[row[0]] == x[row[m - 1]]:
            continue
        visited += 1
        left[:] = 0.0
        for pos in range(m - 1):
            i = row[pos]
            for c in range(k):
                left[c] += Y[i, c]
            n_left = pos + 1
            if n_left < min_leaf or m - n_left < min_leaf or x[i] == x[row[pos + 1]]:
                continue
            sum_left, sum_right = 0.0, 0.0
            for c in range(k):
                sum_left += _xlogx(left[c])
                sum_right += _xlogx(node_total[c] - left[c])
            gain = parent - (_xlogx(n_left) - sum_left) - (_xlogx(m - n_left) - sum_right)
            if gain > best_gain:
                best_gain, best_f, best_pos = gain, f, pos
        if max_features > 0 and visited >= max_features:
            break
    return best_gain, best_f, best_pos


@njit(cache=True)
def partition(order, in_left, n_left):
    """Split every row of ``order`` into the samples with ``in_left`` and the rest, stably."""
    d, m = order.shape
    left = np.empty((d, n_left), dtype=order.dtype)
    right = np.empty((d, m - n_left), dtype=order.dtype)
    for f in range(d):
        a, b = 0, 0
        for j in range(m):
            i = order[f, j]
            if in_left[i]:
                left[f, a] = i
                a += 1
            else:
                right[f, b] = i
                b += 1
    return left, right
