"""`Optimizer`: the bookkeeping every optimiser shares (param groups, per-parameter state, save/load).

A subclass only writes `_update(p, g, state, group)`: the update rule for one parameter `p`
(a Tensor, changed in place through `p.data`), given its gradient `g` (an ndarray), its state dict
and its group's hyper-parameters. The parameter loop, the skipping of parameters without a
gradient, and the `state_dict` format (PyTorch's: parameters numbered in group order) live here.

A faster version of a rule (the fused Adam of tinynn/kernels) is looked up in `fast_paths`, the
table the ops use too; the rule's own code here never names it.
"""
import copy
import math

import numpy as np

from ..function import fast_paths
from ..tensor import Tensor, enable_grad


class _Required:
    """Marker for a hyper-parameter without a default (SGD's lr): each group must set it."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _check_params(name, params):
    """The constructor's first argument must be an iterable of Tensors or of groups; say what to pass."""
    what = type(params).__name__
    if callable(getattr(params, "parameters", None)):
        raise TypeError(f"{name} got the {what} model itself; pass its parameters: {name}(model.parameters(), ...)")
    if isinstance(params, Tensor):
        raise TypeError("params must be an iterable of Tensors or of dicts (parameter groups), got a single "
                        "Tensor; pass model.parameters() or [tensor]")
    if isinstance(params, dict):
        hint = " (a state_dict holds copies of the values, not the parameters)" if "params" not in params else \
            " (one parameter group: wrap it in a list, [group])"
        raise TypeError(f"{name} got a dict{hint}; pass model.parameters() or a list of parameter groups")
    if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"{name}: params must be an iterable of Tensors (model.parameters()) or of dicts "
                        f"(parameter groups), got {what}")


class Optimizer:
    """Base class: `Optimizer(params, defaults)`; params is an iterable of Tensors or of dicts (groups)."""

    def __init__(self, params, defaults):
        _check_params(type(self).__name__, params)
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list (an exhausted generator? "
                             "model.parameters() can be iterated once; call it again or pass a list)")
        if isinstance(groups[0], tuple) and len(groups[0]) == 2 and isinstance(groups[0][0], str):
            raise TypeError(f"{type(self).__name__} got (name, tensor) pairs, as named_parameters() gives; "
                            "pass model.parameters()")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group: a dict with 'params' and, optionally, its own values of the hyper-parameters."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(group["params"]):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, but params[{i}] "
                                f"is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} can't optimize a non-leaf Tensor (params[{i}] was "
                                 "computed from other tensors); optimize the leaves it came from")
        unknown = [k for k, v in self.defaults.items() if v is required and k not in group]
        if unknown:
            raise ValueError(f"{type(self).__name__}: parameter group didn't specify a value of required "
                             f"hyper-parameter(s) {unknown}")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]) or \
                any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear more than once (in one group or in several groups)")
        self.param_groups.append(group)

    def _check_group(self, group):
        """Reject invalid hyper-parameters with a message naming them (subclasses extend it)."""
        for key in ("lr", "weight_decay", "eps", "momentum", "lr_decay", "initial_accumulator_value", "alpha"):
            if key in group:
                self._check_number(key, group[key], low=0.0)

    def _check_number(self, name, value, low, high=math.inf, high_open=False):
        """value must be a real number in [low, high] (or [low, high) if high_open)."""
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{type(self).__name__}: {name} must be a number, got {value!r}")
        if not (low <= value and (value < high if high_open else value <= high)):
            bound = f"[{low}, {high}{')' if high_open else ']'}"
            raise ValueError(f"{type(self).__name__}: invalid {name}={value} (must be in {bound})")

    def zero_grad(self, set_to_none=True):
        """Clear the gradients: to None (default, as PyTorch), or to zeros (Tensor.zero_grad)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if one is given.

        `closure` re-evaluates the model and returns the loss (called with gradients enabled).
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        rule = type(self)._update
        update = fast_paths.get(rule, rule)            # the rule, or a faster one from tinynn/kernels
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if isinstance(g, Tensor):                  # left by backward(create_graph=True): its values
                    g = g.data
                if g.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}: a gradient of shape {g.shape} belongs to a "
                                     f"parameter of shape {p.data.shape}")
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                update(self, p, g, state, group)
        return loss

    def _update(self, p, g, state, group):
        raise NotImplementedError

    # ---- a helper for the update rules -------------------------------------------------------------
    def _effective_grad(self, p, g, wd, maximize):
        """The gradient the rule works with: g, negated if maximize, plus wd·θ (the L2 penalty's gradient).

        As in PyTorch, the sign flip comes first, so weight decay shrinks θ in both directions.
        Returns a new array when anything changes (p.grad is never modified).
        """
        if maximize:
            g = -g
        return g + wd * p.data if wd else g

    # ---- saving and loading -----------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index, ...]}]}.

        Parameters are numbered 0, 1, ... in group order, as in PyTorch; arrays are copies.
        """
        index, groups = {}, []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": copy.deepcopy(groups)}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by `state_dict` into an optimizer over the same parameters."""
        try:
            saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError("not an optimizer state dict: expected a dict with 'state' and 'param_groups'") from None
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        params = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"parameter group {i}: the loaded state dict has {len(saved['params'])} "
                                 f"parameters, this optimizer's group has {len(group['params'])}")
            params.update(zip((int(k) for k in saved["params"]), group["params"]))
        self.state = {}
        for key, s in saved_state.items():
            p = params.get(int(key))
            if p is None:
                raise ValueError(f"loaded state dict has state for parameter {key}, which is in no group")
            self.state[p] = {k: self._cast_state(p, k, v) for k, v in s.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})

    @staticmethod
    def _cast_state(p, name, value):
        """A copy of a saved state entry; arrays are checked against the parameter's shape and cast to its dtype."""
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if not isinstance(value, np.ndarray):
            return value
        if value.shape != p.data.shape:
            raise ValueError(f"optimizer state '{name}' has shape {value.shape}, but its parameter "
                             f"has shape {p.data.shape}")
        return value.astype(p.data.dtype, copy=True)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

