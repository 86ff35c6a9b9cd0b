"""Derivatives of whole functions, with PyTorch's names and conventions (torch.autograd.functional).

`func` takes Tensors (one per input) and returns a Tensor or a tuple of Tensors; `inputs` is a Tensor
or a tuple of Tensors, and results follow the same nesting (a single Tensor in, a single Tensor out).

    vjp(func, x, v)      vᵀ J       one backward pass
    jvp(func, x, v)      J v        by the double-vjp trick: J v = d/du [uᵀ J v] of the linear map u ↦ Jᵀ u
    jacobian(func, x)    J          one backward pass per output element (rows, "reverse-mode"), or one
                                    jvp per input element (columns, strategy="forward-mode");
                                    shape out.shape + x.shape
    hessian(func, x)     ∂²f/∂x∂x   the jacobian of the gradient; shape x.shape + x.shape
    vhp(func, x, v)      vᵀ H       the gradient of ∇f · v
    hvp(func, x, v)      H v        the jvp of the gradient map x ↦ ∇f (equal to vhp when H is symmetric)

With create_graph=False (default) results are constants; with True they stay in the graph, so they
can be differentiated again. strict=True makes an output that does not depend on an input an error
(otherwise its derivative is zero). vectorize=True computes a whole Jacobian with one batched call of
grad (is_grads_batched, a loop over the basis vectors here); the numbers are those of vectorize=False.
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


def _v_for_inputs(v, xs, name):
    """v with the inputs' shapes; it may be omitted (a 1) for a single one-element input."""
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise RuntimeError(f"{name}: v can be omitted only for a single one-element input")
        return (Tensor(np.ones(xs[0].shape, xs[0].dtype)),)
    return _check_v(v, xs, name, "inputs")


def _jvps(outs, xs, vs, create_graph, strict, name, batch=None):
    """J v for each output, as PyTorch computes it without forward-mode AD: u ↦ Jᵀ u is linear (u a dummy
    that requires grad), and J v = ∂(Jᵀu · v)/∂u, a second backward pass. batch=B: each v has a leading
    axis of B vectors, and each result one J v per vector (grad's is_grads_batched)."""
    us = [Tensor(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs]
    jtu = _grads(outs, xs, us, True, strict, name)                       # Jᵀ u, linear in u
    live = [(j, v) for j, v in zip(jtu, vs) if j.requires_grad]
    jv = [None] * len(us)
    if live:
        jv = grad([j for j, _ in live], us, [v for _, v in live], retain_graph=True, create_graph=create_graph,
                  allow_unused=True, is_grads_batched=batch is not None)
    lead = () if batch is None else (batch,)
    return [Tensor(np.zeros(lead + u.shape, u.dtype)) if g is None else g for u, g in zip(us, jv)]


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product. v has the inputs' shapes (may be omitted for
    one one-element input). Computed as PyTorch does: u ↦ Jᵀ u is linear, and J v is its vjp with v."""
    xs, in_tuple = _prepare(inputs, create_graph, "jvp")
    outs, out_tuple = _outputs(func, xs, "jvp")
    vs = _v_for_inputs(v, xs, "jvp")
    jv = _jvps(outs, xs, vs, create_graph, strict, "jvp")
    return _finish(outs, out_tuple, create_graph), _finish(jv, out_tuple, create_graph)


STRATEGIES = ("forward-mode", "reverse-mode")


def _check_strategy(strategy, name, argument):
    if strategy not in STRATEGIES:
        raise ValueError(f"{name}: {argument} must be 'forward-mode' or 'reverse-mode', got {strategy!r} "
                         "(forward-mode suits functions with more outputs than inputs)")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """J[i][j] = ∂ outputs[i] / ∂ inputs[j], each of shape outputs[i].shape + inputs[j].shape (plain
    Tensors instead of nested tuples when func has one input or one output, as in PyTorch).

    strategy="reverse-mode" (default): J row by row, a vjp with each basis vector of the outputs;
    vectorize=True does all rows in one grad(..., is_grads_batched=True) call. strategy="forward-mode":
    J column by column, a jvp with each basis vector of the inputs (fewer passes when the outputs
    outnumber the inputs); as in PyTorch it needs vectorize=True and excludes create_graph and strict.
    """
    _check_strategy(strategy, "jacobian", "strategy")
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError("jacobian: create_graph=True and strategy='forward-mode' are not supported "
                                      "together (as in PyTorch); use strategy='reverse-mode'")
        if strict:
            raise RuntimeError("jacobian: strict=True and strategy='forward-mode' are not supported together "
                               "(as in PyTorch); set strict=False or use strategy='reverse-mode'")
        if not vectorize:
            raise NotImplementedError("jacobian: strategy='forward-mode' is only implemented with vectorize=True "
                                      "(as in PyTorch)")
    elif vectorize and strict:
        raise RuntimeError("jacobian: strict=True and vectorize=True are not supported together (as in PyTorch); "
                           "set strict=False or vectorize=False")
    xs, in_tuple = _prepare(inputs, create_graph, "jacobian")
    outs, out_tuple = _outputs(func, xs, "jacobian")
    if strategy == "forward-mode":
        blocks = _columns(outs, xs)
    elif vectorize:
        blocks = _rows_batched(outs, xs, create_graph)
    else:
        blocks = [_rows(out, xs, create_graph, strict) for out in outs]
    rows = [_finish(row, in_tuple, create_graph) for row in blocks]
    return tuple(rows) if out_tuple else rows[0]


def _basis(tensors):
    """The standard basis of all the tensors' elements together, split per tensor: for N elements in all,
    one (N,) + t.shape array per tensor, row k being the k-th basis vector's part in t."""
    sizes = [t.size for t in tensors]
    eye = np.eye(sum(sizes))
    parts = np.split(eye, np.cumsum(sizes)[:-1], axis=1)
    return [p.reshape((len(eye),) + t.shape).astype(t.dtype) for p, t in zip(parts, tensors)]


def _rows(out, xs, create_graph, strict):
    """The blocks [∂out/∂x for x in xs], one backward pass per element of out."""
    per_input = [[] for _ in xs]
    for k in range(out.size):
        e = np.zeros(out.size, out.dtype)
        e[k] = 1
        for j, g in enumerate(_grads([out], xs, [e.reshape(out.shape)], create_graph, strict, "jacobian")):
            per_input[j].append(g.reshape(-1))
    return [stack(gs, axis=0).reshape(out.shape + x.shape) if gs else Tensor(np.zeros(out.shape + x.shape, x.dtype))
            for x, gs in zip(xs, per_input)]


def _rows_batched(outs, xs, create_graph):
    """All rows of every block at once: the basis of all outputs' elements as a batch of grad_outputs."""
    live = [o for o in outs if o.requires_grad and o.size]
    found = [None] * len(xs)
    if live:
        found = grad(live, xs, _basis(live), retain_graph=True, create_graph=create_graph, allow_unused=True,
                     is_grads_batched=True)
    rows, start = [], 0
    for out in outs:
        if out.requires_grad and out.size:
            stop = start + out.size
            rows.append([Tensor(np.zeros(out.shape + x.shape, x.dtype)) if g is None
                         else g[start:stop].reshape(out.shape + x.shape) for x, g in zip(xs, found)])
            start = stop
        else:
            rows.append([Tensor(np.zeros(out.shape + x.shape, x.dtype)) for x in xs])
    return rows


def _columns(outs, xs):
    """Forward mode: J e_k for every basis vector e_k of all inputs' elements (one batched jvp), column k
    of each block ∂out/∂x."""
    n = sum(x.size for x in xs)
    if not n:
        return [[Tensor(np.zeros(out.shape + x.shape, out.dtype)) for x in xs] for out in outs]
    cols = _jvps(outs, xs, _basis(xs), False, False, "jacobian", batch=n)      # each (n,) + out.shape
    edges = np.cumsum([0] + [x.size for x in xs])
    return [[Tensor(np.moveaxis(c.data[a:b], 0, -1).reshape(out.shape + x.shape))
             for x, a, b in zip(xs, edges[:-1], edges[1:])] for out, c in zip(outs, cols)]


def _scalar(func, name):
    def f(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.size != 1:
            raise RuntimeError(f"{name}: func must return a single one-element Tensor, got "
                               f"{getattr(out, 'shape', type(out).__name__)}")
        return out.reshape(())
    return f


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """H[i][j] = ∂²f / ∂inputs[i] ∂inputs[j] of a function with a one-element output, each of shape
    inputs[i].shape + inputs[j].shape (a single Tensor for a single input).

    The jacobian of the gradient: the gradient by reverse mode, its jacobian with `vectorize` and
    `outer_jacobian_strategy` as jacobian's `vectorize` and `strategy` (forward-mode needs vectorize=True)."""
    _check_strategy(outer_jacobian_strategy, "hessian", "outer_jacobian_strategy")
    f = _scalar(func, "hessian")
    xs, in_tuple = _tuple(inputs, "hessian", "inputs")

    def gradient(*ys):
        return tuple(_grads([f(*ys)], ys, [np.ones((), ys[0].dtype)], True, strict, "hessian"))

    h = jacobian(gradient, xs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                 strategy=outer_jacobian_strategy)
    return h if in_tuple else h[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H): the gradient of ∇f · v, two backward passes and no Hessian in memory."""
    f = _scalar(func, "vhp")
    xs, in_tuple = _prepare(inputs, create_graph, "vhp")
    vs = _v_for_inputs(v, xs, "vhp")
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
    """(func(inputs), H v) as PyTorch computes it: H v is the jvp of the gradient map x ↦ ∇f, so
    w = Hᵀu = ∂(∇f · u)/∂x for a dummy u that requires grad, then H v = ∂(w · v)/∂u: three backward
    passes (vhp takes two). Hv = vᵀH when H is symmetric, as for any twice continuously
    differentiable f; the two differ only where the gradient map's Jacobian is not symmetric."""
    f = _scalar(func, "hvp")
    xs, in_tuple = _prepare(inputs, create_graph, "hvp")
    vs = _v_for_inputs(v, xs, "hvp")
    out = f(*xs)
    g = _grads([out], xs, [np.ones((), out.dtype)], True, strict, "hvp")           # ∇f, in the graph
    hv = _jvps(g, xs, vs, create_graph, strict, "hvp")
    return (out if create_graph else out.detach()), _finish(hv, in_tuple, create_graph)
