"""`Module`: a container of parameters and sub-modules, with PyTorch's names and semantics.

Assigning a `Parameter` or a `Module` to an attribute registers it (`self.fc = Linear(2, 3)`), so
`parameters()`, `state_dict()` and `train()/eval()` can find everything by walking the tree.
Registered objects are also kept as ordinary attributes, so reading `self.weight` costs nothing.
"""
import os
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..tensor import Tensor, get_default_dtype


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable (requires_grad=True unless told otherwise)."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def empty_parameter(*shape, dtype=None):
    """A zero-filled Parameter of `shape` and `dtype` (default dtype if None), to be initialised next."""
    return Parameter(np.zeros(shape, dtype=get_default_dtype() if dtype is None else np.dtype(dtype)))


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _HookHandle:
    """Returned by register_forward_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


class Module:
    """Base class of all layers and models: subclass it, assign layers in __init__, define forward()."""

    def __init__(self):
        for name in ("_parameters", "_buffers", "_modules", "_forward_hooks"):
            object.__setattr__(self, name, OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "training", True)

    # ---- registration -------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__ and isinstance(value, (Parameter, Module)):
            raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before Module.__init__() "
                                 f"was called: add super().__init__() at the start of {type(self).__name__}.__init__")
        registry = self.__dict__.get("_parameters", {})
        if isinstance(value, Parameter):
            self._register("_parameters", name, value)
        elif isinstance(value, Module):
            self._register("_modules", name, value)
        elif name in registry:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to parameter '{name}' of "
                                f"{type(self).__name__}: use nn.Parameter(...) or None")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", {}):
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to sub-module '{name}': use a Module or None")
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", {}):
            self._buffers[name] = value = None if value is None else _as_tensor(value)
        object.__setattr__(self, name, value)

    def _forget(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)

    def _register(self, registry, name, value):
        """Put value in one registry (keeping its position if the name is re-assigned), out of the others."""
        for other in ("_parameters", "_buffers", "_modules"):
            if other != registry:
                getattr(self, other).pop(name, None)
        if registry != "_buffers":
            self._non_persistent.discard(name)
        getattr(self, registry)[name] = value

    def __delattr__(self, name):
        if "_parameters" in self.__dict__:
            self._forget(name)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Same as `self.name = param` (param a Parameter or None)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter('{name}') needs an nn.Parameter or None, got {type(param).__name__}")
        self._register("_parameters", name, param)
        object.__setattr__(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Register non-trainable state (e.g. running statistics): saved in state_dict unless persistent=False."""
        value = None if tensor is None else _as_tensor(tensor)
        self._register("_buffers", name, value)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, value)

    def register_module(self, name, module):
        """Same as `self.name = module` (useful when the name is computed)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"register_module('{name}') needs a Module or None, got {type(module).__name__}")
        self._register("_modules", name, module)
        object.__setattr__(self, name, module)

    add_module = register_module

    # ---- running ------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, x) in the subclass")

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        if not self._forward_hooks:
            return out
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook):
        """Call hook(module, inputs, output) after every forward; a non-None return replaces the output."""
        key = object()
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    def train(self, mode=True):
        """Set training mode (dropout active, Bayesian layers sample) on this module and all below it."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: train(False)."""
        return self.train(False)

    # ---- walking the tree ---------------------------------------------------------------------
    def named_modules(self, prefix=""):
        """(qualified name, module) for this module and every module below it, each once, depth first."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, recurse):
        seen = set()
        modules = self.named_modules() if recurse else [("", self)]
        for prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_parameters(self, recurse=True):
        """(qualified name, Parameter) pairs, e.g. ('fc1.weight', ...); a shared parameter appears once."""
        return self._named_members("_parameters", recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse):
            yield p

    def named_buffers(self, recurse=True):
        return self._named_members("_buffers", recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse):
            yield b

    def apply(self, fn):
        """Call fn(module) on every sub-module, then on self (e.g. a custom initialisation)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def num_parameters(self, trainable_only=False):
        """Number of scalar parameters (only those with requires_grad if trainable_only)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    # ---- gradients, dtype ---------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Clear the gradients of all parameters: to None, or to zeros with set_to_none=False (Tensor.zero_grad)."""
        for p in self.parameters():
            p.zero_grad(set_to_none)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze (True) all parameters."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def to(self, dtype):
        """Convert all floating parameters and buffers to `dtype` in place (e.g. np.float64 for gradcheck)."""
        dtype = np.dtype(dtype)
        for t in list(self.parameters()) + list(self.buffers()):
            if t.data.dtype.kind == "f":
                t.data = t.data.astype(dtype)
                t.grad = None if t.grad is None else t.grad.astype(dtype)
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    # ---- state --------------------------------------------------------------------------------
    def _state_tensors(self):
        """Everything state_dict saves: parameters, then persistent buffers, by qualified name."""
        items = list(self.named_parameters())
        for prefix, module in self.named_modules():
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    items.append((f"{prefix}.{name}" if prefix else name, b))
        return OrderedDict(items)

    def state_dict(self):
        """An ordered dict {qualified name: numpy array copy} of all parameters and persistent buffers."""
        return OrderedDict((name, t.data.copy()) for name, t in self._state_tensors().items())

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from `state_dict` into this module's parameters and buffers (in place, cast to their dtype).

        With strict=True every key must match; any mismatch raises one RuntimeError listing the missing,
        unexpected and mis-shaped keys (as PyTorch). Shapes must match even with strict=False. Nothing
        is copied unless every value fits. Returns (missing_keys, unexpected_keys).
        """
        name = type(self).__name__
        _check_state_dict(name, state_dict)
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        values = {k: _state_value(name, k, v) for k, v in state_dict.items() if k in own}
        misshaped = [f"{k}: checkpoint {v.shape} vs model {own[k].shape}" for k, v in values.items()
                     if v.shape != own[k].shape]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {missing}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {unexpected}")
        if misshaped:
            problems.append("mis-shaped keys: " + "; ".join(misshaped))
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {name}:\n  " + "\n  ".join(problems))
        for k, v in values.items():
            own[k].data[...] = v
        return IncompatibleKeys(missing, unexpected)

    # ---- display ------------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr line (e.g. 'in_features=2, ...')."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if not lines:
            return f"{type(self).__name__}({self.extra_repr()})"
        extra = self.extra_repr()
        head = f"{type(self).__name__}(" + (f"\n  {extra}" if extra else "")
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def summary(self, input_shape, **kwargs):
        """The Keras-style table of layers, output shapes and parameter counts (see nn.summary)."""
        from .summary import summary
        return summary(self, input_shape, **kwargs)


def _check_state_dict(name, state_dict):
    """load_state_dict takes a mapping {name: array}; say what to do with the usual wrong arguments."""
    if isinstance(state_dict, (str, bytes, os.PathLike)):
        raise TypeError(f"{name}.load_state_dict expects a state dict, got the path {os.fsdecode(state_dict)!r}; "
                        "read the file first: model.load_state_dict(tinynn.load(path))")
    if isinstance(state_dict, Module):
        raise TypeError(f"{name}.load_state_dict expects a state dict, got a {type(state_dict).__name__} module; "
                        "pass other.state_dict()")
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{name}.load_state_dict expects a state dict (a mapping of names to arrays, "
                        f"from state_dict() or tinynn.load), got {type(state_dict).__name__}")


def _state_value(name, key, value):
    """A state-dict entry as a numeric numpy array (a Tensor's data); anything else is refused by name."""
    try:
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
    except ValueError:                                   # a ragged nested list
        array = np.empty(0, dtype=object)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}.load_state_dict: the value of '{key}' ({type(value).__name__} of dtype "
                        f"{array.dtype}) is not numeric")
    return array


def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))
