"""`import tinynn.nn as nn`: modules, layers, initialisers and losses with PyTorch's names."""
from . import init
from .container import ModuleList, Sequential
from .linear import Linear, LinearFunction, linear
from .module import Module, Parameter
