"""Derivatives of whole functions, with PyTorch's names and conventions (torch.autograd.functional).

`func` takes Tensors (one per input) and returns a Tensor or a tuple of Tensors; `inputs` is a Tensor
or a tuple of Tensors, and results follow the same nesting (a single Tensor in, a single Tensor out).

    vjp(func, x, v)      vᵀ J       one backward pass
    jvp(func, x, v)      J v        by the double-vjp trick: J v = d/du [uᵀ J v] of the linear map u ↦ Jᵀ u
    jacobian(func, x)    J          one backward pass per output element; shape out.shape + x.shape
    hessian(func, x)     ∂²f/∂x∂x   the jacobian of the gradient; shape x.shape + x.shape
    vhp(func, x, v)      vᵀ H       = H v (hvp), H being symmetric: the gradient of (∇f · v)

With create_graph=False (default) results are constants; with True they stay in the graph, so they
can be differentiated again. strict=True makes an output that does not depend on an input an error
(otherwise its derivative is zero).
"""
import numpy as np

from ..ops import stack
from ..tensor import Tensor
from . import grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _tuple(x, name, arg):
    """(items, was_tuple): inputs/outputs/v as a tuple of Tensors, and whether the user passed a tuple."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor or a tuple of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    return items, is_tuple


def _prepare(inputs, create_graph, name):
    """The inputs as graph leaves: with create_graph, the inputs themselves (so results connect to their
    history); otherwise detached copies that require grad."""
    xs, is_tuple = _tuple(inputs, name, "inputs")
    for i, x in enumerate(xs):
        if x.dtype.kind != "f":
            raise TypeError(f"{name}: inputs[{i}] has dtype {x.dtype}; derivatives need floating-point inputs")
    if create_graph:
        xs = tuple(x if x.requires_grad else Tensor(x.data, requires_grad=True) for x in xs)
    else:
        xs = tuple(Tensor(x.data, requires_grad=True) for x in xs)
    return xs, is_tuple


def _outputs(func, xs, name):
    out = func(*xs)
    outs, is_tuple = _tuple(out, name, "the outputs of func")
    return outs, is_tuple


def _grads(outs, xs, seeds, create_graph, strict, name):
    """Σ_k seed_k · ∂out_k/∂x for each x, zeros (or an error with strict) where an output ignores x."""
    live = [(o, s) for o, s in zip(outs, seeds) if o.requires_grad]
    found = [None] * len(xs)
    if live:
        found = list(grad([o for o, _ in live], xs, [s for _, s in live], retain_graph=True,
                          create_graph=create_graph, allow_unused=True))
    result = []
    for i, (x, g) in enumerate(zip(xs, found)):
        if g is None:
            if strict:
                raise RuntimeError(f"{name}: the output is independent of inputs[{i}] (strict=True)")
            g = Tensor(np.zeros(x.shape, x.dtype))
        result.append(g if create_graph else g.detach())
    return result


def _check_v(v, like, name, what):
    vs, _ = _tuple(v, name, "v")
    if len(vs) != len(like):
        raise ValueError(f"{name}: v has {len(vs)} entries, but there are {len(like)} {what}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise ValueError(f"{name}: v[{i}] has shape {a.shape}, but {what}[{i}] has shape {b.shape}")
    return vs


def _finish(items, is_tuple, create_graph):
    items = tuple(t if create_graph else t.detach() for t in items)
    return items if is_tuple else items[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product, one backward pass. v has the outputs' shapes
    (may be omitted for a one-element output)."""
    xs, in_tuple = _prepare(inputs, create_graph, "vjp")
    outs, out_tuple = _outputs(func, xs, "vjp")
    if v is None:
        if len(outs) != 1 or outs[0].size != 1:
            raise RuntimeError("vjp: v can be omitted only when func returns a single one-element Tensor")
        vs = (Tensor(np.ones(outs[0].shape, outs[0].dtype)),)
    else:
        vs = _check_v(v, outs, "vjp", "outputs")
    g = _grads(outs, xs, vs, create_graph, strict, "vjp")
    return _finish(outs, out_tuple, create_graph), _finish(g, in_tuple, create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product. v has the inputs' shapes (may be omitted for
    one one-element input). Computed as PyTorch does: u ↦ Jᵀ u is linear, and J v is its vjp with v."""
    xs, in_tuple = _prepare(inputs, create_graph, "jvp")
    outs, out_tuple = _outputs(func, xs, "jvp")
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise RuntimeError("jvp: v can be omitted only for a single one-element input")
        vs = (Tensor(np.ones(xs[0].shape, xs[0].dtype)),)
    else:
        vs = _check_v(v, xs, "jvp", "inputs")
    us = [Tensor(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs]
    jtu = _grads(outs, xs, us, True, strict, "jvp")                       # Jᵀ u, linear in u
    live = [(j, vv) for j, vv in zip(jtu, vs) if j.requires_grad]
    jv = [None] * len(us)
    if live:
        jv = grad([j for j, _ in live], us, [vv for _, vv in live], retain_graph=True,
                  create_graph=create_graph, allow_unused=True)
    jv = [Tensor(np.zeros(u.shape, u.dtype)) if g is None else g for u, g in zip(us, jv)]
    return _finish(outs, out_tuple, create_graph), _finish(jv, out_tuple, create_graph)


def jacobian(func, inputs, create_graph=False, strict=False):
    """J[i][j] = ∂ outputs[i] / ∂ inputs[j], each of shape outputs[i].shape + inputs[j].shape (plain
    Tensors instead of nested tuples when func has one input or one output, as in PyTorch)."""
    xs, in_tuple = _prepare(inputs, create_graph, "jacobian")
    outs, out_tuple = _outputs(func, xs, "jacobian")
    rows = []
    for out in outs:
        per_input = [[] for _ in xs]
        for k in range(out.size):
            e = np.zeros(out.size, out.dtype)
            e[k] = 1
            for j, g in enumerate(_grads([out], xs, [e.reshape(out.shape)], create_graph, strict, "jacobian")):
                per_input[j].append(g.reshape(-1))
        blocks = []
        for x, gs in zip(xs, per_input):
            if not gs:                                            # an empty output
                blocks.append(Tensor(np.zeros(out.shape + x.shape, x.dtype)))
                continue
            blocks.append(stack(gs, axis=0).reshape(out.shape + x.shape))
        rows.append(_finish(blocks, in_tuple, create_graph))
    return tuple(rows) if out_tuple else rows[0]


def _scalar(func, name):
    def f(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.size != 1:
            raise RuntimeError(f"{name}: func must return a single one-element Tensor, got "
                               f"{getattr(out, 'shape', type(out).__name__)}")
        return out.reshape(())
    return f


def hessian(func, inputs, create_graph=False, strict=False):
    """H[i][j] = ∂²f / ∂inputs[i] ∂inputs[j] of a function with a one-element output, each of shape
    inputs[i].shape + inputs[j].shape (a single Tensor for a single input)."""
    f = _scalar(func, "hessian")
    xs, in_tuple = _tuple(inputs, "hessian", "inputs")

    def gradient(*ys):
        return tuple(_grads([f(*ys)], ys, [np.ones((), ys[0].dtype)], True, strict, "hessian"))

    h = jacobian(gradient, xs, create_graph=create_graph, strict=strict)
    return h if in_tuple else h[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H): the gradient of ∇f · v, two backward passes and no Hessian in memory."""
    f = _scalar(func, "vhp")
    xs, in_tuple = _prepare(inputs, create_graph, "vhp")
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise RuntimeError("vhp: v can be omitted only for a single one-element input")
        vs = (Tensor(np.ones(xs[0].shape, xs[0].dtype)),)
    else:
        vs = _check_v(v, xs, "vhp", "inputs")
    out = f(*xs)
    g = _grads([out], xs, [np.ones((), out.dtype)], True, strict, "vhp")
    live = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
    hv = [None] * len(xs)
    if live:
        hv = grad([gi for gi, _ in live], xs, [vi for _, vi in live], retain_graph=True,
                  create_graph=create_graph, allow_unused=True)
    hv = [Tensor(np.zeros(x.shape, x.dtype)) if h is None else h for x, h in zip(xs, hv)]
    return (out if create_graph else out.detach()), _finish(hv, in_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v). The Hessian of a twice continuously differentiable function is symmetric,
    so H v = vᵀ H and this is vhp (PyTorch computes the same numbers by a longer route)."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
