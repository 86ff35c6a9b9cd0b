"""Containers: `Sequential` (layers applied in order) and `ModuleList` (a list whose entries are registered)."""
from collections import OrderedDict

from .module import Module


class ModuleList(Module):
    """A list of modules that are registered (so their parameters are found); it has no forward of its own.

    Entries are named '0', '1', ..., so parameters are '0.weight', '0.bias', ...
    """

    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.append needs a Module, got {type(module).__name__} "
                            "(did you forget the parentheses, e.g. nn.ReLU() instead of nn.ReLU?)")
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
        """An int gives that entry; a slice gives a new container of the same kind sharing the entries."""
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)().extend(layers[index])
        try:
            return layers[index]
        except IndexError:
            raise IndexError(f"{type(self).__name__} index {index} is out of range for {len(layers)} "
                             "entries") from None

    def __setitem__(self, index, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__} entries must be Modules, got {type(module).__name__}")
        self.register_module(list(self._modules)[index], module)


class Sequential(ModuleList):
    """Sequential(layer1, layer2, ...) or Sequential(OrderedDict(name=layer)): forward applies them in order.

    Layers are named '0', '1', ... (or by the given names), so parameters are '0.weight', '0.bias', ...
    """

    def __init__(self, *layers):
        Module.__init__(self)
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            for name, m in layers[0].items():
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: entry {name} is a {type(m).__name__}, not a Module")
                self.register_module(name, m)
        else:
            self.extend(layers)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x
