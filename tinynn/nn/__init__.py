"""`import tinynn.nn as nn`: modules, layers, initialisers and losses with PyTorch's names."""
from . import init
from ..losses import l1_penalty, l2_penalty
from .activation import ELU, LeakyReLU, LogSoftmax, Maxout, ReLU, Sigmoid, Softmax, Softplus, Tanh, maxout
from .bayesian import VBLinear, local_reparam_linear, resample, set_map, total_kl
from .container import ModuleList, Sequential
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv2d, GlobalAvgPool2d, MaxPool2d
from .layers import Dropout, Flatten, Identity, dropout
from .linear import Linear, LinearFunction, linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, GaussianNLLLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter
from .summary import ModelSummary, summary
