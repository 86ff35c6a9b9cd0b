"""Registry cases for layers and losses (tinynn/nn, tinynn/losses).

Layers with parameters are built once, outside the lambda, in float64; their parameter gradients are
checked through the functional form with (x, W, b, ...) as inputs. Integer class targets are fixed
arrays; float targets are inputs, so gradients with respect to them are checked too.
"""
import numpy as np

import tinynn as tn
import tinynn.losses as L
import tinynn.nn as nn
from registry import Case

f64 = np.float64
_linear = nn.Linear(4, 3, dtype=f64)
_maxout = nn.Maxout(4, 2, pieces=3, dtype=f64)
_mlp = nn.Sequential(nn.Linear(3, 5, dtype=f64), nn.Tanh(), nn.Linear(5, 2, dtype=f64), nn.Softplus())
_vb = nn.VBLinear(4, 3, dtype=f64)
_vb.logsig2_w.data[...] = np.linspace(-3, 0, 12).reshape(3, 4)
_vb_eval = nn.VBLinear(4, 3, dtype=f64).eval()
_vb_eval.import_random_state(np.random.default_rng(1).standard_normal((3, 4)))
_noise = np.random.default_rng(2).standard_normal((5, 3))
_targets = np.array([2, 0, 1, 2, 1])
_targets_2d = np.array([[0, 3], [2, 1]])


def _prob(u):
    """Map (-0.9, 0.9) to probabilities in (0.05, 0.95)."""
    return 0.5 + 0.5 * u


def _vb_training_fixed(x):
    """VBLinear in training mode with the same noise on every call (reseeded)."""
    tn.manual_seed(0)
    return _vb(x)


def _dropout_fixed(x):
    """Dropout with a fixed mask: reseed before each call so every evaluation drops the same elements."""
    tn.manual_seed(0)
    return nn.Dropout(0.4)(x)


CASES = [
    # layers
    Case("Linear", lambda x: _linear(x), [(5, 4)]),
    Case("linear_x_w_b", lambda x, w, b: nn.linear(x, w, b), [(5, 4), (3, 4), (3,)]),
    Case("linear_no_bias_batched", lambda x, w: nn.linear(x, w), [(2, 3, 4), (2, 4)]),
    Case("Maxout", lambda x: _maxout(x), [(3, 4)]),
    Case("maxout_x_w_b", lambda x, w, b: nn.maxout(x, w, b, 2), [(3, 4), (6, 4), (6,)]),
    Case("VBLinear_training", _vb_training_fixed, [(5, 4)]),
    Case("VBLinear_eval_frozen", lambda x: _vb_eval(x), [(5, 4)]),
    Case("local_reparam_linear", lambda x, mu, ls, b: nn.local_reparam_linear(x, mu, ls, b, _noise),
         [(5, 4), (3, 4), ((3, 4), "unit"), (3,)]),
    Case("gaussian_kl", lambda mu, ls: L.gaussian_kl(mu, ls, prior_prec=3.0), [(3, 4), (3, 4)]),
    Case("Sequential_mlp", lambda x: _mlp(x), [(4, 3)]),
    Case("ReLU", lambda x: nn.ReLU()(x), [((3, 4), "away0")]),
    Case("Tanh", lambda x: nn.Tanh()(x), [(3, 4)]),
    Case("Sigmoid", lambda x: nn.Sigmoid()(x), [(3, 4)]),
    Case("LeakyReLU", lambda x: nn.LeakyReLU(0.2)(x), [((3, 4), "away0")]),
    Case("ELU", lambda x: nn.ELU(0.5)(x), [((3, 4), "away0")]),
    Case("Softplus", lambda x: nn.Softplus(beta=0.5)(x), [(3, 4)]),
    Case("Softmax", lambda x: nn.Softmax(dim=0)(x), [(3, 4)]),
    Case("LogSoftmax", lambda x: nn.LogSoftmax(dim=1)(x), [(3, 4)]),
    Case("Dropout_training", _dropout_fixed, [(4, 5)]),
    Case("Flatten", lambda x: nn.Flatten()(x) * tn.arange(6.0, dtype=f64), [(2, 3, 2)]),
    Case("Identity", lambda x: nn.Identity()(x) * 3, [(2, 3)]),
    # regression losses
    Case("mse_loss", lambda x, y: L.mse_loss(x, y), [(4, 3), (4, 3)]),
    Case("mse_loss_sum", lambda x, y: nn.MSELoss(reduction="sum")(x, y), [(5,), (5,)]),
    Case("l1_loss_none", lambda x, y: nn.L1Loss(reduction="none")(x, y), [((3, 2), "away0"), ((3, 2), "unit")]),
    Case("gaussian_nll", lambda x, y, v: L.gaussian_nll_loss(x, y, v), [(4, 2), (4, 2), ((4, 2), "pos")]),
    Case("GaussianNLLLoss_shared_var_full", lambda x, y, v: nn.GaussianNLLLoss(full=True, reduction="sum")(x, y, v),
         [(4, 2), (4, 2), ((4,), "pos")]),
    # binary classification
    Case("bce", lambda p, y: L.binary_cross_entropy(_prob(p), _prob(y)), [((3, 4), "unit"), ((3, 4), "unit")]),
    Case("BCELoss_weight_none", lambda p, y: nn.BCELoss(weight=np.arange(1.0, 5.0), reduction="none")(_prob(p), _prob(y)),
         [((3, 4), "unit"), ((3, 4), "unit")]),
    Case("bce_with_logits", lambda x, y: L.binary_cross_entropy_with_logits(x, _prob(y)), [(3, 4), ((3, 4), "unit")]),
    Case("BCEWithLogitsLoss_pos_weight", lambda x, y: nn.BCEWithLogitsLoss(pos_weight=np.array([0.5, 1, 2, 3]))(x, _prob(y)),
         [(3, 4), ((3, 4), "unit")]),
    # multi-class classification
    Case("cross_entropy", lambda x: L.cross_entropy(x, _targets), [(5, 3)]),
    Case("CrossEntropyLoss_weight_smoothing_ignore", lambda x: nn.CrossEntropyLoss(
        weight=np.array([0.5, 2.0, 1.0]), ignore_index=1, label_smoothing=0.1)(x, _targets), [(5, 3)]),
    Case("cross_entropy_probabilities", lambda x, p: L.cross_entropy(x, p.softmax(axis=1), label_smoothing=0.2,
                                                                     weight=[1.0, 2.0, 3.0]), [(4, 3), (4, 3)]),
    Case("cross_entropy_spatial_none", lambda x: L.cross_entropy(x, _targets_2d, reduction="none"), [(2, 4, 2)]),
    Case("nll_loss", lambda x: nn.NLLLoss()(x.log_softmax(axis=1), _targets), [(5, 3)]),
    Case("nll_loss_weight_sum", lambda x: L.nll_loss(x, _targets, weight=np.array([1.0, 2.0, 3.0]), reduction="sum"),
         [(5, 3)]),
    # penalties
    Case("l2_penalty", lambda w, b: nn.l2_penalty([w, b]), [(3, 2), (2,)]),
    Case("l1_penalty_weights_only", lambda w, b: nn.l1_penalty([w, b], weights_only=True) + (b * b).sum(),
         [((3, 2), "away0"), (2,)]),
]
