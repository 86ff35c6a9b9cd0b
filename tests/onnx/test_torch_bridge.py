"""The PyTorch bridge: state_dict names and shapes of Linear, Conv2d, Sequential and ModuleList are
PyTorch's, so trained tinynn weights load into the same torch model with load_state_dict and give the
same outputs. Runs only where PyTorch is installed (the bench extra)."""
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tnn = torch.nn

import tinynn as tn  # noqa: E402
import tinynn.nn as nn  # noqa: E402
from example_nets import NETWORKS  # noqa: E402


def _torch_twin(model):
    """The torch model with the same structure as a tinynn Sequential of the layers used in the examples."""
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            layers.append(tnn.Linear(m.in_features, m.out_features, bias=m.bias is not None))
        elif isinstance(m, nn.Conv2d):
            layers.append(tnn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, stride=m.stride,
                                     padding=m.padding, dilation=m.dilation, bias=m.bias is not None,
                                     padding_mode=m.padding_mode))
        else:
            twin = {nn.ReLU: tnn.ReLU, nn.Tanh: tnn.Tanh, nn.Sigmoid: tnn.Sigmoid, nn.Flatten: tnn.Flatten,
                    nn.Dropout: lambda: tnn.Dropout(m.p), nn.MaxPool2d: lambda: tnn.MaxPool2d(m.kernel_size),
                    nn.AvgPool2d: lambda: tnn.AvgPool2d(m.kernel_size)}[type(m)]
            layers.append(twin())
    return tnn.Sequential(*layers)


def _load_and_compare(model, twin, x):
    state = model.state_dict()
    theirs = twin.state_dict()
    assert list(state) == list(theirs)
    assert {k: v.shape for k, v in state.items()} == {k: tuple(v.shape) for k, v in theirs.items()}
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})   # strict: every key matches
    model.eval()
    twin.eval()
    with tn.no_grad(), torch.no_grad():
        ours = model(tn.Tensor(x)).data
        reference = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_example_networks_load_into_torch(name):
    tn.manual_seed(3)
    build, make = NETWORKS[name]
    model = build()
    _load_and_compare(model, _torch_twin(model), make(9).astype(np.float32))


def test_conv_variants_and_named_sequential():
    tn.manual_seed(0)
    convs = [dict(padding=1, padding_mode="circular"), dict(padding=(2, 1), padding_mode="reflect"),
             dict(stride=2, dilation=2, padding=2), dict(padding="same", bias=False)]
    for kwargs in convs:
        model = nn.Sequential(OrderedDict(conv=nn.Conv2d(2, 3, 3, **kwargs), act=nn.Tanh()))
        twin = tnn.Sequential(OrderedDict(conv=tnn.Conv2d(2, 3, 3, **kwargs), act=tnn.Tanh()))
        _load_and_compare(model, twin, np.random.default_rng(0).normal(size=(4, 2, 9, 8)).astype(np.float32))


def _net(lib):
    """The same custom model written with tinynn.nn or torch.nn: a ModuleList of blocks and a head."""
    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.blocks = lib.ModuleList([lib.Linear(4, 6), lib.Linear(6, 6)])
            self.head = lib.Linear(6, 2)

        def forward(self, x):
            for b in self.blocks:
                x = b(x).tanh()
            return self.head(x)
    return Net()


def test_module_list_inside_a_custom_module():
    tn.manual_seed(0)
    _load_and_compare(_net(nn), _net(tnn), np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32))
