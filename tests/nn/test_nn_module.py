"""nn.Module mechanics: registration, walking, modes, gradients, state_dict, repr; containers."""
import pathlib

import numpy as np
import pytest

import tinynn as tn
import tinynn.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
        self.scale = nn.Parameter(np.ones(2, np.float32))
        self.register_buffer("count", np.zeros(1))
        self.register_buffer("cache", np.zeros(3), persistent=False)
        self.plain = 5                                  # not registered

    def forward(self, x):
        return self.act(self.fc1(x)) * self.scale


def test_registration_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "act.0.weight", "act.0.bias", "act.1.weight", "act.1.bias"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "act.0", "act.1"]
    assert net.num_parameters() == 2 + (3 * 4 + 4) + (4 * 4 + 4) + (4 * 2 + 2)
    assert list(net.state_dict()) == names + ["count"]          # non-persistent buffer left out
    assert all(p.requires_grad for p in net.parameters())


def test_shared_parameter_counted_once_and_reassignment_keeps_order():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert seq.num_parameters() == 6 and len(list(seq.parameters())) == 2
    lin.weight = nn.Parameter(np.zeros((2, 2), np.float32))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = np.zeros((2, 2))


def test_assignment_before_init_is_explained():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)
    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_train_eval_and_trainable_count():
    net = Net()
    assert net.training and net.act[1].training
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.fc1.requires_grad_(False)
    assert net.num_parameters(trainable_only=True) == net.num_parameters() - 16


def test_zero_grad_both_ways():
    net = Net()
    net(tn.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_roundtrip_copies():
    a, b = Net(), Net()
    sd = a.state_dict()
    sd["fc1.weight"][...] = 7                       # a copy: the model is untouched
    assert not np.all(a.fc1.weight.data == 7)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = tn.randn(4, 3)
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_names_every_problem():
    net = Net()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = np.zeros(3)
    sd["act.1.weight"] = np.zeros((3, 4))
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert msg.startswith("Error(s) in loading state_dict for Net")           # reads cleanly: no quotes
    assert "missing keys: ['fc1.bias']" in msg and "unexpected keys: ['extra.weight']" in msg
    assert "act.1.weight: checkpoint (3, 4) vs model (2, 4)" in msg
    sd["act.1.weight"] = np.full((2, 4), 0.5)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["fc1.bias"] and unexpected == ["extra.weight"]
    assert np.all(net.act[1].weight.data == 0.5) and net.act[1].weight.dtype == np.float32


def test_apply_visits_children_first():
    net = Net()
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "Linear", "Sequential", "Net"]
    net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert all(not m.weight.data.any() for m in net.modules() if isinstance(m, nn.Linear))


def test_repr_tree():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1, bias=False)))
    assert repr(net) == ("Sequential(\n"
                         "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                         "  (1): Sequential(\n"
                         "    (0): Linear(in_features=3, out_features=1, bias=False)\n"
                         "  )\n"
                         ")")


def test_forward_hook_and_removal():
    lin = nn.Linear(2, 2)
    calls = []
    handle = lin.register_forward_hook(lambda m, inputs, out: calls.append(out.shape))
    lin(tn.randn(3, 2))
    handle.remove()
    lin(tn.randn(3, 2))
    assert calls == [(3, 2)]


def test_missing_forward_is_explained():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(1)


def test_sequential_and_module_list():
    layers = [nn.Linear(2, 3), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 2 and seq[-1] is layers[1] and list(seq) == layers
    assert isinstance(seq[:1], nn.Sequential) and seq[:1][0] is layers[0]
    with pytest.raises(IndexError, match="out of range for 2 entries"):
        seq[5]
    with pytest.raises(TypeError, match="nn.ReLU\\(\\)"):
        nn.Sequential(nn.Linear)
    named = nn.Sequential({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert [n for n, _ in named.named_parameters()][:2] == ["enc.weight", "enc.bias"]
    ml = nn.ModuleList(layers)
    ml.append(nn.Linear(1, 1))
    ml[0] = nn.Linear(2, 3)
    assert len(ml) == 3 and [n for n, _ in ml.named_children()] == ["0", "1", "2"]
    assert ml.num_parameters() == 9 + 4 + 2


def test_to_double_converts_parameters_and_buffers():
    net = Net().double()
    assert all(t.dtype == np.float64 for t in list(net.parameters()) + list(net.buffers()))
    assert net(tn.randn(2, 3, dtype=np.float64)).dtype == np.float64


def test_deepcopy_gives_an_independent_consistent_model():
    import copy
    net = Net()
    twin = copy.deepcopy(net)
    assert twin.fc1.weight is twin.fc1._parameters["weight"] and twin.fc1.weight is not net.fc1.weight
    twin.fc1.weight.data += 1
    assert not np.array_equal(twin.fc1.weight.data, net.fc1.weight.data)
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in net.named_parameters()]


@pytest.mark.parametrize("argument, message", [
    ("ckpt.npz", r"got the path 'ckpt.npz'; read the file first: model.load_state_dict\(tinynn.load\(path\)\)"),
    (pathlib.Path("ckpt.npz"), "got the path 'ckpt.npz'"),
    (nn.Linear(3, 4), r"got a Linear module; pass other.state_dict\(\)"),
    ([("fc1.weight", np.zeros((4, 3)))], "expects a state dict .* got list"),
    (None, "expects a state dict .* got NoneType"),
], ids=["str-path", "pathlib-path", "module", "list", "none"])
def test_load_state_dict_refuses_non_dicts_saying_what_to_pass(argument, message):
    with pytest.raises(TypeError, match=message):
        Net().load_state_dict(argument)


def test_load_state_dict_refuses_non_numeric_values_and_copies_nothing():
    net = Net()
    before = net.state_dict()
    sd = net.state_dict()
    sd["fc1.bias"] = np.zeros(4)                          # fine, but must not be copied: a later value is bad
    sd["act.1.weight"] = np.array([[None] * 4] * 2)
    with pytest.raises(TypeError, match="'act.1.weight' .*object.* is not numeric"):
        net.load_state_dict(sd)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
