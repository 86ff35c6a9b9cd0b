"""Registry cases for the core tensor ops (tinynn/ops)."""
import numpy as np

import tinynn as tn
from registry import Case

CASES = [
    # arithmetic, with broadcasting in both directions
    Case("add", lambda a, b: a + b, [(3, 4), (3, 4)]),
    Case("add_broadcast", lambda a, b: a + b, [(3, 1), (4,)]),
    Case("add_scalar", lambda a: 2.5 + a, [(2, 3)]),
    Case("sub_broadcast", lambda a, b: a - b, [(2, 3, 4), (3, 1)]),
    Case("rsub", lambda a: 1.0 - a, [(3,)]),
    Case("mul_broadcast", lambda a, b: a * b, [(4, 1, 3), (2, 3)]),
    Case("div_broadcast", lambda a, b: a / b, [(3, 4), ((4,), "pos")]),
    Case("rdiv", lambda a: 2.0 / a, [((3, 2), "pos")]),
    Case("neg", lambda a: -a, [(3, 2)]),
    Case("pow_number", lambda a: a ** 3, [(3, 2)]),
    Case("pow_tensor", lambda a, b: a ** b, [((3, 2), "pos"), (2,)]),
    Case("rpow", lambda a: 2.0 ** a, [(3,)]),
    Case("exp", lambda a: a.exp(), [(3, 2)]),
    Case("log", lambda a: a.log(), [((3, 2), "pos")]),
    Case("sqrt", lambda a: a.sqrt(), [((2, 3), "pos")]),
    Case("abs", lambda a: abs(a), [((3, 2), "away0")]),
    Case("clip", lambda a: a.clip(-0.5, 0.5), [((4, 3), "away0")]),
    Case("maximum", lambda a, b: tn.ops.maximum(a, b), [(3, 4), (4,)]),
    Case("minimum", lambda a, b: tn.ops.minimum(a, b), [(3, 4), (3, 1)]),
    Case("where", lambda a, b: tn.where(a.data > 0, a, b), [(3, 4), (4,)]),
    Case("cast", lambda a: a.astype(np.float32) * 2, [(3,)], dict(eps=1e-2, atol=1e-4)),  # linear: big eps is exact
    # activations
    Case("sigmoid", lambda a: a.sigmoid(), [(3, 4)]),
    Case("tanh", lambda a: a.tanh(), [(3, 4)]),
    Case("relu", lambda a: a.relu(), [((3, 4), "away0")]),
    Case("leaky_relu", lambda a: a.leaky_relu(0.1), [((3, 4), "away0")]),
    Case("elu", lambda a: a.elu(0.7), [((3, 4), "away0")]),
    Case("softplus", lambda a: a.softplus(beta=2.0), [(3, 4)]),
    Case("softmax", lambda a: a.softmax(axis=-1), [(3, 4)]),
    Case("softmax_axis0", lambda a: a.softmax(axis=0), [(3, 4)]),
    Case("log_softmax", lambda a: a.log_softmax(axis=1), [(2, 5)]),
    # reductions
    Case("sum_all", lambda a: a.sum(), [(3, 4)]),
    Case("sum_axis_keepdims", lambda a: a.sum(axis=1, keepdims=True), [(3, 4)]),
    Case("sum_axes_tuple", lambda a: a.sum(axis=(0, 2)), [(2, 3, 4)]),
    Case("mean_axis", lambda a: a.mean(axis=0), [(3, 4)]),
    Case("max_axis", lambda a: a.max(axis=1), [(3, 4)]),
    Case("max_all", lambda a: a.max(), [(3, 4)]),
    Case("min_axis_keepdims", lambda a: a.min(axis=0, keepdims=True), [(3, 4)]),
    Case("var", lambda a: a.var(axis=1), [(3, 4)]),
    Case("std", lambda a: a.std(), [(3, 4)]),
    Case("logsumexp", lambda a: a.logsumexp(axis=-1), [(3, 4)]),
    Case("logsumexp_keepdims", lambda a: a.logsumexp(axis=0, keepdims=True), [(3, 4)]),
    # matmul in all numpy shapes
    Case("matmul_2d", lambda a, b: a @ b, [(3, 4), (4, 2)]),
    Case("matmul_vec_mat", lambda a, b: a @ b, [(4,), (4, 2)]),
    Case("matmul_mat_vec", lambda a, b: a @ b, [(3, 4), (4,)]),
    Case("matmul_vec_vec", lambda a, b: a @ b, [(4,), (4,)]),
    Case("matmul_batched_broadcast", lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    Case("matmul_vec_batched", lambda a, b: a @ b, [(4,), (2, 4, 3)]),
    # shape ops
    Case("reshape", lambda a: a.reshape(4, 3) * tn.arange(12.0, dtype=np.float64).reshape(4, 3), [(3, 4)]),
    Case("flatten", lambda a: a.flatten(1), [(2, 3, 2)]),
    Case("transpose", lambda a: a.T @ a, [(3, 2)]),
    Case("permute", lambda a: a.permute(2, 0, 1) * tn.arange(24.0, dtype=np.float64).reshape(4, 2, 3), [(2, 3, 4)]),
    Case("squeeze_unsqueeze", lambda a: a.unsqueeze(0).squeeze() * 2, [(3, 1)]),
    Case("expand", lambda a: a.expand(2, 3, 4) * tn.arange(24.0, dtype=np.float64).reshape(2, 3, 4), [(3, 1)]),
    Case("concat", lambda a, b: tn.concat([a, b], axis=1), [(2, 3), (2, 2)]),
    Case("stack", lambda a, b: tn.stack([a, b], axis=0), [(2, 3), (2, 3)]),
    Case("pad", lambda a: a.pad(((1, 0), (2, 1)), value=0.5), [(2, 3)]),
    Case("getitem_slice", lambda a: a[1:, ::2], [(3, 4)]),
    Case("getitem_int_array_repeated", lambda a: a[np.array([0, 2, 0, 0])], [(3, 2)]),
    Case("getitem_mask", lambda a: a[a.data > 0], [(4, 3)]),
    Case("getitem_pairs", lambda a: a[np.arange(3), np.array([1, 0, 1])], [(3, 2)]),
]
