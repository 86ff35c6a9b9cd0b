"""Containers: `Sequential` (layers applied in order) and `ModuleList` (a list whose entries are registered)."""
from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """Sequential(layer1, layer2, ...) or Sequential(OrderedDict(name=layer)): forward applies them in order.

    Layers are named '0', '1', ... (or by the given names), so parameters are '0.weight', '0.bias', ...
    """

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            items = layers[0].items()
        else:
            items = ((str(i), m) for i, m in enumerate(layers))
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: entry {name} is a {type(m).__name__}, not a Module "
                                "(did you forget the parentheses, e.g. nn.ReLU() instead of nn.ReLU?)")
            self.register_module(name, m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append needs a Module, got {type(module).__name__}")
        self.register_module(str(len(self._modules)), module)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        """An int gives that layer; a slice gives a new Sequential sharing the layers."""
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*layers[index])
        try:
            return layers[index]
        except IndexError:
            raise IndexError(f"Sequential index {index} is out of range for {len(layers)} layers") from None


class ModuleList(Module):
    """A list of modules that are registered (so their parameters are found); it has no forward of its own."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.append needs a Module, got {type(module).__name__}")
        self.register_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(layers[index])
        try:
            return layers[index]
        except IndexError:
            raise IndexError(f"ModuleList index {index} is out of range for {len(layers)} modules") from None

    def __setitem__(self, index, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList entries must be Modules, got {type(module).__name__}")
        name = list(self._modules)[index]
        self.register_module(name, module)
