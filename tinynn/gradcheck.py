"""Check backpropagated gradients against central finite differences, with PyTorch's semantics.

For f: inputs -> output, backprop gives the Jacobian row by row (one backward per output element
with a unit gradient); finite differences give it column by column,
    ∂f/∂x_k ≈ (f(x + ε e_k) - f(x - ε e_k)) / 2ε,   error O(ε²) + round-off O(1/ε),
which is why the inputs must be float64: in float32 the round-off term swamps the comparison.
The fast mode compares only the projection vᵀ J u for random u, v: one backward and two forward
passes per input instead of one per element.

gradgradcheck checks second derivatives the same way, as PyTorch's does: it gradchecks the map
(inputs, v) -> vᵀ ∂f/∂inputs, computed by `tinynn.autograd.grad(..., create_graph=True)`, whose
derivatives are the second derivatives of f (and, with respect to v, the first ones again).
"""
import numpy as np

from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _output(fn, inputs):
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: the function must return a Tensor, got {type(out).__name__}")
    return out


def _analytical_vjp(fn, inputs, checked, v):
    """Jᵀ v for each checked input: one backward pass of the output with gradient v."""
    for i in checked:
        inputs[i].grad = None
    out = _output(fn, inputs)
    if not out.requires_grad:
        return [np.zeros(inputs[i].shape) for i in checked]
    out.backward(v.reshape(out.shape).astype(out.dtype))
    grads = [np.zeros(inputs[i].shape) if inputs[i].grad is None else inputs[i].grad.copy() for i in checked]
    for i in checked:
        inputs[i].grad = None
    return grads


def _numerical_jvp(fn, inputs, i, u, eps):
    """(f(x_i + ε u) - f(x_i - ε u)) / 2ε ≈ J u, perturbing input i's data in place and restoring it."""
    x = inputs[i].data
    saved = x.copy()
    x += eps * u
    plus = _output(fn, inputs).data.astype(np.float64).ravel()
    x[...] = saved - eps * u
    minus = _output(fn, inputs).data.astype(np.float64).ravel()
    x[...] = saved
    return (plus - minus) / (2 * eps)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, fast_mode=False, seed=0):
    """True if the gradients of `fn(*inputs)` w.r.t. every input with requires_grad match finite differences.

    On a mismatch raises GradcheckError naming the input, the element, and both values (or returns
    False with raise_exception=False). Inputs that require grad must be float64.
    """
    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs (in float32 the "
                            "finite-difference round-off error is larger than the tolerance)")
    n_out = _output(fn, inputs).size

    def fail(msg):
        if raise_exception:
            raise GradcheckError(msg)
        return False

    if fast_mode:
        rng = np.random.default_rng(seed)
        v = rng.standard_normal(n_out)
        vjp = _analytical_vjp(fn, inputs, checked, v)
        for i, g in zip(checked, vjp):
            u = rng.standard_normal(inputs[i].shape)
            analytical = float(np.sum(g * u))
            numerical = float(_numerical_jvp(fn, inputs, i, u, eps) @ v)
            if not abs(analytical - numerical) <= atol + rtol * abs(numerical):
                return fail(f"gradcheck (fast mode) failed for input {i} of shape {inputs[i].shape}: "
                            f"projection vᵀJu numerical {numerical!r} vs analytical {analytical!r}")
        return True

    rows = [_analytical_vjp(fn, inputs, checked, np.eye(1, n_out, j)[0]) for j in range(n_out)]
    for col, i in enumerate(checked):
        analytical = np.stack([r[col].ravel() for r in rows])          # (n_out, n_in_i)
        x = inputs[i].data
        for k in range(x.size):
            e = np.zeros(x.size)
            e[k] = 1.0
            e = e.reshape(x.shape)
            numerical = _numerical_jvp(fn, inputs, i, e, eps)
            bad = ~(np.abs(analytical[:, k] - numerical) <= atol + rtol * np.abs(numerical))
            if bad.any():
                j = int(np.argmax(bad))
                index = np.unravel_index(k, x.shape)
                return fail(f"gradcheck failed for input {i} of shape {x.shape} at index {tuple(map(int, index))}, "
                            f"output element {j}: numerical {numerical[j]!r} vs analytical {analytical[j, k]!r}")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  fast_mode=False, seed=0):
    """True if the second derivatives of `fn(*inputs)` match finite differences of its first derivatives.

    grad_outputs (the vector v of vᵀ J) defaults to a random float64 tensor of the output's shape that
    requires grad, so the first derivatives are checked with respect to it too. Arguments and errors as
    in gradcheck; inputs that require grad must be float64.
    """
    from .autograd import grad
    from .ops import concat

    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input has requires_grad=True, so there is nothing to check")
    out = _output(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = Tensor(rng.standard_normal(out.shape), requires_grad=True)
    elif not isinstance(grad_outputs, Tensor) or grad_outputs.shape != out.shape:
        raise ValueError(f"gradgradcheck: grad_outputs must be a Tensor of the output's shape {out.shape}")
    n = len(inputs)

    def first_derivatives(*args):
        xs, v = list(args[:n]), args[n]
        out = fn(*xs)
        if not out.requires_grad:
            return Tensor(np.zeros(sum(xs[i].size for i in checked)))
        grads = grad(out, [xs[i] for i in checked], v.astype(out.dtype), create_graph=True, allow_unused=True)
        flat = [Tensor(np.zeros(xs[i].size)) if g is None else g.reshape(-1) for i, g in zip(checked, grads)]
        return concat(flat) if len(flat) > 1 else flat[0]

    return gradcheck(first_derivatives, inputs + [grad_outputs], eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
