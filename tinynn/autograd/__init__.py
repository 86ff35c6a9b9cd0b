"""`tinynn.autograd.grad`: gradients as values you can differentiate again (PyTorch's torch.autograd.grad).

    x = tn.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = grad(y, x, create_graph=True)      # g = 3x², a Tensor in the graph
    (h,) = grad(g.sum(), x)                   # h = 6x

How a gradient becomes differentiable: a backward pass is itself a computation — each op's backward
multiplies the incoming gradient by its local derivative. Run on arrays, it leaves no trace. With
create_graph=True the same backward lines run on Tensors (Tensor answers numpy's functions, see
tinynn/ops/interop.py; each op's forward is replayed on its input Tensors so that what it saved is in
the graph too), so the gradient is an ordinary Tensor with a graph, to any order.

`grad` accepts the scalar engine's `Value`s too: grad(L, [x1, x2], create_graph=True) returns Value
nodes whose graph is the derivative's (draw it with `.draw()`); the same closures run on nodes.

`tinynn.autograd.functional` has jacobian, hessian, vjp, jvp, vhp and hvp.
"""
import numpy as np

import contextlib

from .. import graph, scalar
from ..ops import stack
from ..scalar import Value
from ..tensor import Tensor, backprop, seed

__all__ = ["grad", "functional"]


def _as_tuple(x, what):
    items = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    if not items:
        raise ValueError(f"grad: {what} is empty")
    return items


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         is_grads_batched=False, materialize_grads=False):
    """d(outputs)/d(inputs): the sum over outputs of grad_output · ∂output/∂input, one per input (a tuple).

    outputs, inputs: a Tensor or a sequence of them (or scalar-engine Values). grad_outputs: dL/d(output)
    for each output (default 1, allowed for one-element outputs only). Nothing is stored in `.grad`.
    create_graph=True records the backward pass, so the results can be differentiated again;
    retain_graph defaults to create_graph (else the graph's saved arrays are freed, as in backward()).
    allow_unused (default None: False unless materialize_grads): False makes an input the outputs do not
    depend on an error, True gives None for it. materialize_grads=True gives zeros instead of None
    (requiring grad when create_graph, so they can be differentiated again); it implies allow_unused,
    and allow_unused=False with it is an error.
    is_grads_batched=True: the first axis of every grad_outputs entry is a batch of vectors v_b, and each
    result has the same first axis: row b is the gradient for v_b (B vector-Jacobian products, e.g. the
    rows of a Jacobian). They are computed by a loop over the batch, one backward pass per row (PyTorch
    vectorises it with vmap; the numbers are the same).
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True fills unused inputs with zeros, so it cannot be combined "
                         "with allow_unused=False (leave allow_unused unset or pass True)")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outputs, inputs = _as_tuple(outputs, "outputs"), _as_tuple(inputs, "inputs")
    if any(isinstance(t, Value) for t in outputs + inputs):
        if is_grads_batched:
            raise TypeError("grad: is_grads_batched=True needs Tensors (a Value holds one number; loop over "
                            "the vectors instead)")
        return _value_grad(outputs, inputs, grad_outputs, create_graph, allow_unused, materialize_grads)
    for where, items in (("outputs", outputs), ("inputs", inputs)):
        for i, t in enumerate(items):
            if not isinstance(t, Tensor):
                raise TypeError(f"grad: {where}[{i}] must be a Tensor (or all must be Values), got {type(t).__name__}")
            if not t.requires_grad:
                raise RuntimeError(f"grad: {where}[{i}] does not require grad"
                                   + (" (it was not computed from a tensor with requires_grad=True, or ran in "
                                      "no_grad())" if where == "outputs" else "; set requires_grad=True on it"))
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = _as_tuple(grad_outputs, "grad_outputs") if isinstance(grad_outputs, (tuple, list)) \
        else (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    retain_graph = create_graph if retain_graph is None else retain_graph
    if is_grads_batched:
        batches = _batches(outputs, grad_outputs)
        rows = [_backprop(outputs, batch, retain_graph or b < len(batches) - 1, create_graph, inputs)
                for b, batch in enumerate(batches)]
        found = [None if row[0] is None else _stack(row, create_graph) for row in zip(*rows)]
    else:
        seeds = [seed(out, g, f"grad (output {i})", "grad_outputs")
                 for i, (out, g) in enumerate(zip(outputs, grad_outputs))]
        found = _backprop(outputs, seeds, retain_graph, create_graph, inputs)
    result = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: inputs[{i}] (shape {x.shape}) was not used to compute the outputs; "
                                   "pass allow_unused=True to get None for it (or materialize_grads=True for zeros)")
            if materialize_grads:
                shape = (len(batches),) + x.shape if is_grads_batched else x.shape
                g = Tensor(np.zeros(shape, x.dtype), requires_grad=create_graph)
        result.append(g)
    return tuple(result)


def _backprop(outputs, seeds, retain_graph, create_graph, inputs):
    """One backward pass from `outputs` (seeded) to `inputs`: their gradients as Tensors (None if unused)."""
    found = backprop(list(outputs), seeds, retain_graph, create_graph, list(inputs))
    return [g if g is None or isinstance(g, Tensor) else Tensor(np.array(g, dtype=x.dtype, copy=True))
            for x, g in zip(inputs, found)]


def _batches(outputs, grad_outputs):
    """is_grads_batched: the grad_outputs split along their first axis, [[v_b for each output] for each b]."""
    sizes = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            raise ValueError(f"grad: is_grads_batched=True needs grad_outputs[{i}] (a batch of vectors of shape "
                             f"(B,) + {out.shape}); it cannot default to 1")
        shape = np.shape(g)
        if len(shape) == 0 or shape[1:] != out.shape:
            raise ValueError(f"grad: is_grads_batched=True takes the first axis of grad_outputs[{i}] as the batch, "
                             f"so the rest must be the shape of outputs[{i}], {out.shape}; grad_outputs[{i}] has "
                             f"shape {shape}")
        sizes.append(shape[0])
    if len(set(sizes)) > 1:
        raise ValueError(f"grad: is_grads_batched=True needs one batch size for all grad_outputs, got {sizes}")
    if sizes[0] == 0:
        raise ValueError("grad: is_grads_batched=True with an empty batch (the first axis of grad_outputs is 0)")
    grad_outputs = [g if isinstance(g, Tensor) else np.asarray(g, dtype=out.dtype)
                    for out, g in zip(outputs, grad_outputs)]
    return [[g[b] for g in grad_outputs] for b in range(sizes[0])]


def _stack(rows, create_graph):
    """One input's gradients for each vector of the batch, stacked along a new first axis."""
    if create_graph:
        return stack(list(rows), axis=0)
    return Tensor(np.stack([r.data for r in rows]))


def _value_grad(outputs, inputs, grad_outputs, create_graph, allow_unused, materialize_grads):
    """grad for the scalar engine: the walk of Value.backward, storing nothing in .grad. With create_graph
    the closures run inside scalar.derivative_graph(), so each gradient is a Value node computed from the
    graph's nodes: its own graph is the derivative's, to be drawn or differentiated again."""
    for t in outputs + inputs:
        if not isinstance(t, Value):
            raise TypeError(f"grad: mixing Values and {type(t).__name__}; pass Values only (or Tensors only)")
    seeds = (1.0,) * len(outputs) if grad_outputs is None else tuple(
        grad_outputs if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,))
    if len(seeds) != len(outputs):
        raise ValueError(f"grad: {len(seeds)} grad_outputs for {len(outputs)} outputs")
    start = Value(0.0, _prev=outputs)                        # a virtual root above all outputs
    order = graph.topo_sort(start, scalar._inputs)[:-1]
    before = [(v, v.grad) for v in order]
    try:
        with scalar.derivative_graph() if create_graph else contextlib.nullcontext():
            for v in order:
                v.grad = 0.0
            for out, g in zip(outputs, seeds):
                out.grad += g
            for v in reversed(order):
                v._backward()
        reached = {id(v) for v in order}
        result = []
        for i, x in enumerate(inputs):
            if id(x) in reached:
                result.append(x.grad if isinstance(x.grad, Value) else Value(x.grad))
            elif allow_unused:
                result.append(Value(0.0) if materialize_grads else None)
            else:
                raise RuntimeError(f"grad: inputs[{i}] was not used to compute the outputs; "
                                   "pass allow_unused=True to get None for it")
    finally:
        for v, g in before:
            v.grad = g
    return tuple(result)


from . import functional  # noqa: E402  (built on grad)
