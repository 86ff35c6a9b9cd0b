"""Masked logits (-inf) through second and third derivatives: cross-entropy where the masked class has
target weight 0, and log_softmax / softmax / logsumexp directly. Every derivative is finite, raises no
RuntimeWarning, and equals its closed form and the limit of a large finite negative logit."""
import contextlib
import warnings

import numpy as np
import pytest

import tinynn as tn
from tinynn import gradgradcheck
from tinynn.autograd import functional as AF
from tinynn.autograd import grad

MASKED = np.array([[0.0, -np.inf, 1.0], [0.5, 0.2, -np.inf]])
W = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])            # weights of the outputs, to mix the rows


def finite(x, low=-50.0):
    return np.where(np.isinf(x), low, x)


def t64(values, requires_grad=False):
    return tn.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@contextlib.contextmanager
def strict():
    """A block in which numpy's RuntimeWarnings (0·inf, inf - inf, overflow) are errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


CE_TARGETS = {
    "class index": dict(target=np.array([0, 1])),
    "class weights": dict(target=np.array([2, 0]), weight=np.array([1.0, 0.0, 2.0])),
    "probabilities": dict(target=np.array([[0.3, 0.0, 0.7], [0.5, 0.5, 0.0]])),
    "smoothing, weight 0": dict(target=np.array([0, 0]), weight=np.array([1.0, 0.0, 0.0]), label_smoothing=0.2),
}


def ce_q(case):
    """The target weights q (N, C) of a case, written out: one-hot or probabilities, smoothing, class weights."""
    t = case["target"]
    q = t if t.ndim == 2 else np.eye(3)[t]
    eps = case.get("label_smoothing", 0.0)
    q = (1 - eps) * q + eps / 3
    w = case.get("weight")
    if w is not None:
        q = q * w
    return q


@pytest.mark.parametrize("name", list(CE_TARGETS))
def test_cross_entropy_derivatives_at_a_masked_logit_match_closed_forms(name):
    """L = Σ_i -q_i·log softmax(x_i) / N (mean over rows for a one-hot or probability target without
    weights; Σ w[t] with class-index weights). ∇L = (softmax·Σq - q)/N, H_i = Σq_i (diag p_i - p_i p_iᵀ)/N."""
    case = CE_TARGETS[name]
    kwargs = {k: v for k, v in case.items() if k != "target"}
    q = ce_q(case)
    n = case["weight"][case["target"]].sum() if "weight" in case and case["target"].ndim == 1 else 2.0
    p = softmax(MASKED)
    with strict():
        x = t64(MASKED, requires_grad=True)
        loss = tn.losses.cross_entropy(x, case["target"], **kwargs)
        (g,) = grad(loss, x, create_graph=True)
        H = AF.hessian(lambda t: tn.losses.cross_entropy(t, case["target"], **kwargs), t64(MASKED))
    np.testing.assert_allclose(g.data, (p * q.sum(1, keepdims=True) - q) / n, rtol=1e-13, atol=1e-16)
    want = np.zeros((2, 3, 2, 3))
    for i in range(2):
        want[i, :, i, :] = q[i].sum() * (np.diag(p[i]) - np.outer(p[i], p[i])) / n
    np.testing.assert_allclose(H.data, want, rtol=1e-13, atol=1e-16)
    assert np.isfinite(loss.item())


@pytest.mark.parametrize("name", list(CE_TARGETS))
def test_cross_entropy_to_third_order_is_the_limit_of_a_finite_logit(name):
    case = CE_TARGETS[name]
    kwargs = {k: v for k, v in case.items() if k != "target"}

    def derivatives(values):
        x = t64(values, requires_grad=True)
        (g,) = grad(tn.losses.cross_entropy(x, case["target"], **kwargs), x, create_graph=True)
        (h,) = grad((g * t64(W)).sum(), x, create_graph=True)
        (k,) = grad((h * h).sum(), x)
        return g.data, h.data, k.data
    with strict():
        masked = derivatives(MASKED)
    for a, b in zip(masked, derivatives(finite(MASKED))):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-18)       # e^-50 ≈ 2e-22


OPS = {
    "log_softmax": (lambda t: tn.ops.log_softmax(t), lambda p, w: w - p * w.sum(-1, keepdims=True)),
    "softmax": (lambda t: tn.ops.softmax(t), lambda p, w: p * (w - (w * p).sum(-1, keepdims=True))),
    "logsumexp": (lambda t: tn.ops.logsumexp(t, axis=1), lambda p, w: p * w[:, :1]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_softmax_family_with_masked_entries_to_third_order(name):
    """First derivative of Σ W·op(x) against its closed form (p = softmax(x), 0 at -inf), the second
    and third against the limit of a finite logit."""
    op, first = OPS[name]

    def derivatives(values):
        x = t64(values, requires_grad=True)
        y = op(x)
        w = W if y.ndim == 2 else W[:, 0]
        (g,) = grad((y * t64(w)).sum(), x, create_graph=True)
        (h,) = grad((g * t64(W[::-1])).sum(), x, create_graph=True)
        (k,) = grad((h * h).sum(), x)
        return g.data, h.data, k.data
    with strict():
        masked = derivatives(MASKED)
    np.testing.assert_allclose(masked[0], first(softmax(MASKED), W), rtol=1e-13, atol=1e-16)
    for a, b in zip(masked, derivatives(finite(MASKED))):
        assert np.isfinite(a).all()
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize("fn", [lambda t: tn.losses.cross_entropy(t, np.array([0, 1])),
                                lambda t: tn.losses.cross_entropy(t, CE_TARGETS["probabilities"]["target"]),
                                OPS["log_softmax"][0], OPS["softmax"][0], OPS["logsumexp"][0]],
                         ids=["ce index", "ce probabilities", "log_softmax", "softmax", "logsumexp"])
def test_gradgradcheck_passes_at_masked_logits(fn):
    """Finite differences at -inf are 0 (x ± ε stays -inf), so the analytical derivatives must be 0 there."""
    with strict():
        assert gradgradcheck(fn, [t64(MASKED, requires_grad=True)])


def test_numpy_masked_multiply_on_tensors_differentiates_like_numpy():
    """np.multiply(q, logp, out=zeros, where=q != 0) computes nothing where q = 0: the value there is 0
    and so are both derivatives (not 0·(-inf) = NaN); elsewhere d/dq = logp, d/dlogp = q."""
    q, logp = t64([0.3, 0.0, 0.7], requires_grad=True), t64([-1.0, -np.inf, -0.5], requires_grad=True)
    with strict():
        out = np.multiply(q, logp, out=np.zeros(3), where=np.not_equal(q, 0))
        gq, glogp = grad((out * t64([1.0, 2.0, 3.0])).sum(), [q, logp])
    np.testing.assert_array_equal(out.data, [-0.3, 0.0, -0.35])
    np.testing.assert_array_equal(gq.data, [-1.0, 0.0, -1.5])
    np.testing.assert_allclose(glogp.data, [0.3, 0.0, 2.1], rtol=1e-15)
    out = np.add(q, logp, out=t64([5.0, 5.0, 5.0]))                    # no where=: the op everywhere
    np.testing.assert_array_equal(out.data, [0.3 - 1.0, -np.inf, 0.7 - 0.5])
