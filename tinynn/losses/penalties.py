"""Regularisation terms added to a loss: L1/L2 penalties on parameters and the Gaussian KL of Bayesian layers."""
import math

from ..tensor import Tensor


def _params(params, weights_only):
    params = params.parameters() if hasattr(params, "parameters") else params
    return [p for p in params if not (weights_only and p.ndim < 2)]


def _total(terms):
    return sum(terms[1:], terms[0]) if terms else Tensor(0.0)


def l2_penalty(params, weights_only=False):
    """Σ p² over a module's parameters (or an iterable of them); weights_only skips 1-D ones (biases).

    loss = criterion(model(x), y) + 1e-4 * l2_penalty(model)   # L2 regularisation ("weight decay")
    """
    return _total([(p * p).sum() for p in _params(params, weights_only)])


def l1_penalty(params, weights_only=False):
    """Σ |p| over a module's parameters (or an iterable of them); weights_only skips 1-D ones (biases)."""
    return _total([abs(p).sum() for p in _params(params, weights_only)])


def gaussian_kl(mu, logsig2, prior_prec=1.0):
    """KL(N(mu, e^logsig2) || N(0, 1/prior_prec)) summed over all entries, in closed form:

    ½ Σ [prior_prec (mu² + σ²) - log σ² - 1 - log prior_prec],   σ² = e^logsig2.
    """
    return 0.5 * (prior_prec * (mu * mu + logsig2.exp()) - logsig2 - 1 - math.log(prior_prec)).sum()
