"""Every op's ONNX mapping, run in ONNX Runtime against tinynn (float32, 1e-5), at three batch sizes
from one export with a dynamic batch axis; and every op of tinynn has a mapping (or is a loss)."""
import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import tinynn as tn  # noqa: E402
import tinynn.nn as nn  # noqa: E402
from onnx_helpers import Fn, check  # noqa: E402
from tinynn import function, ops  # noqa: E402
from tinynn.onnx.table import NOT_EXPORTED, TABLE  # noqa: E402


def randn(*shape, scale=1.0, seed=0):
    return lambda n: (np.random.default_rng(seed + n).normal(size=(n,) + shape) * scale).astype(np.float32)


def positive(*shape):
    return lambda n: np.random.default_rng(n).uniform(0.1, 3.0, size=(n,) + shape).astype(np.float32)


def extreme(*shape):
    """Values from -60 to 60, where naive sigmoid/softplus/softmax formulas overflow in float32."""
    return lambda n: np.random.default_rng(n).uniform(-60, 60, size=(n,) + shape).astype(np.float32)


def image(c=2, h=9, w=8):
    return randn(c, h, w)


def two(make_a, make_b):
    return lambda n: (make_a(n), make_b(n))


def fn(f, **layers):
    return lambda: Fn(lambda self, *xs: f(*xs), **layers) if not layers else Fn(f, **layers)


def conv(*args, **kwargs):
    return lambda: nn.Conv2d(*args, **kwargs)


CASES = {
    # layers
    "linear": (lambda: nn.Linear(5, 3), randn(5)),
    "linear_no_bias": (lambda: nn.Linear(5, 3, bias=False), randn(5)),
    "linear_3d_input": (lambda: nn.Linear(5, 3), randn(4, 5)),
    "conv_zeros": (conv(2, 3, 3, padding=1), image()),
    "conv_no_bias": (conv(2, 3, 3, bias=False), image()),
    "conv_circular": (conv(2, 3, 3, padding=1, padding_mode="circular"), image()),
    "conv_circular_wide": (conv(2, 3, (5, 3), padding=(2, 3), padding_mode="circular"), image()),
    "conv_reflect": (conv(2, 3, 3, padding=(2, 1), padding_mode="reflect"), image()),
    "conv_same_even_kernel": (conv(2, 3, 4, padding="same"), image()),
    "conv_same_circular": (conv(2, 3, 4, padding="same", padding_mode="circular"), image()),
    "conv_stride": (conv(2, 3, 3, stride=2, padding=1), image()),
    "conv_stride_2_3": (conv(2, 3, (3, 2), stride=(2, 3)), image(2, 11, 10)),
    "conv_dilation": (conv(2, 3, 3, dilation=2, padding=2), image()),
    "conv_dilation_circular": (conv(2, 3, 3, dilation=(2, 1), padding=(2, 1), padding_mode="circular"), image()),
    "max_pool": (lambda: nn.MaxPool2d(2), image()),
    "max_pool_stride_padding": (lambda: nn.MaxPool2d(3, stride=2, padding=1), image()),
    "avg_pool": (lambda: nn.AvgPool2d(2), image()),
    "avg_pool_stride_padding": (lambda: nn.AvgPool2d(3, stride=2, padding=1), image()),
    "avg_pool_global_window": (lambda: nn.AvgPool2d((9, 8)), image()),
    "adaptive_avg_pool_1": (lambda: nn.AdaptiveAvgPool2d(1), image()),
    "adaptive_avg_pool_2": (lambda: nn.AdaptiveAvgPool2d((3, 2)), image(2, 9, 8)),
    "global_avg_pool": (lambda: nn.GlobalAvgPool2d(), image()),
    "flatten": (lambda: nn.Flatten(), image()),
    "flatten_partial": (lambda: nn.Flatten(1, 2), image()),
    "dropout": (lambda: nn.Sequential(nn.Linear(5, 4), nn.Dropout(0.5)), randn(5)),
    "bayesian_linear_frozen_sample": (lambda: nn.Sequential(nn.VBLinear(5, 4), nn.Tanh()), randn(5)),
    # activations
    "sigmoid": (lambda: nn.Sigmoid(), extreme(6)),
    "tanh": (lambda: nn.Tanh(), extreme(6)),
    "relu": (lambda: nn.ReLU(), randn(6)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), randn(6)),
    "elu": (lambda: nn.ELU(0.7), randn(6)),
    "softplus": (lambda: nn.Softplus(), extreme(6)),
    "softplus_beta": (lambda: nn.Softplus(beta=2.0), randn(6, scale=5)),
    "softmax": (lambda: nn.Softmax(dim=1), extreme(6)),
    "softmax_axis0_of_image": (lambda: nn.Softmax(dim=-2), image()),
    "log_softmax": (lambda: nn.LogSoftmax(dim=-1), randn(6, scale=10)),
    "maxout": (lambda: nn.Maxout(5, 3, pieces=4), randn(5)),
    # elementwise arithmetic
    "add_sub_mul_div_scalars": (fn(lambda x: (2 * x + 1 - x / 3) * 0.5 - 4), randn(5)),
    "add_broadcast": (fn(lambda x, y: x + y), two(randn(3, 5), lambda n: np.ones((n, 1, 5), np.float32))),
    "sub_mul_div_tensors": (fn(lambda x, y: (x - y) * y / (y * y + 1)), two(randn(5), randn(5, seed=9))),
    "reverse_operands": (fn(lambda x: 1 - x + 2 / (x * x + 1)), randn(5)),
    "neg_abs": (fn(lambda x: -x.abs()), randn(5)),
    "pow": (fn(lambda x: x ** 2 + x ** 3), randn(5)),
    "pow_tensor_exponent": (fn(lambda x, y: x ** y), two(positive(5), randn(5))),
    "exp_log_sqrt": (fn(lambda x: x.exp() + x.log() + x.sqrt()), positive(5)),
    "sin_cos": (fn(lambda x: x.sin() * x.cos()), randn(5)),
    "clip": (fn(lambda x: x.clip(-0.5, 0.7) + x.clip(min=0.2) + x.clip(max=0.1)), randn(5)),
    "maximum_minimum": (fn(lambda x, y: ops.maximum(x, y) + ops.minimum(x, 0.1)), two(randn(5), randn(5, seed=7))),
    "where": (fn(lambda x: ops.where(np.arange(5) % 2 == 0, x, -x)), randn(5)),
    "cast_float64": (fn(lambda x: x.astype(np.float64) * 2), randn(5)),
    # matmul and moving elements
    "matmul_weight": (fn(lambda self, x: x @ self.w, w=nn.Parameter(np.ones((5, 2), np.float32))), randn(5)),
    "matmul_batched": (fn(lambda x, y: x @ y), two(randn(3, 4), randn(4, 2, seed=5))),
    "matmul_vector": (fn(lambda x: x @ np.arange(5, dtype=np.float32)), randn(5)),
    "reshape_view": (fn(lambda x: x.reshape(x.shape[0], 3, -1).view(x.shape[0], -1)), randn(6, 2)),
    "squeeze_unsqueeze": (fn(lambda x: x.unsqueeze(1).unsqueeze(-1).squeeze(-1)), randn(5)),
    "transpose_permute": (fn(lambda x: x.transpose(1, 2).permute(0, 2, 3, 1)), image()),
    "concat_stack": (fn(lambda x, y: ops.concat([ops.stack([x, y], axis=1), ops.stack([y, x], 1)], axis=-1)),
                     two(randn(5), randn(5, seed=3))),
    "expand": (fn(lambda x: x.unsqueeze(1).expand(-1, 3, -1) * 2), randn(5)),
    "pad": (fn(lambda x: x.pad(((0, 0), (1, 2), (3, 0)), value=0.5)), randn(3, 4)),
    "getitem_slices": (fn(lambda x: x[:, 1:3, ::2] + x[..., -1:, 3::-1][:, :, :3]), randn(4, 5)),
    "getitem_negative_steps": (fn(lambda x: x[:, ::-2] + x[:, 6::-2] + x[:, -1:-8:-2]), randn(7)),
    "getitem_int_none": (fn(lambda x: x[:, 2, None] * x[:, -1][:, None]), randn(4, 5)),
    "getitem_int_array": (fn(lambda x: x[:, np.array([3, 0, 0, 2])]), randn(5)),
    "getitem_bool_mask": (fn(lambda x: x[:, np.array([True, False, True, True, False])]), randn(5)),
    # reductions
    "sum": (fn(lambda x: x.sum(axis=1) + x.sum(axis=(1, 2), keepdims=True).squeeze(-1)), randn(3, 4)),
    "mean_var_std": (fn(lambda x: x.mean(axis=-1) + x.var(axis=-1) + x.std(axis=1)), randn(6)),
    "max_min": (fn(lambda x: x.max(axis=1) - x.min(axis=-1, keepdims=True)[:, 0]), randn(6)),
    "logsumexp": (fn(lambda x: x.logsumexp(axis=-1)), extreme(6)),
    "sum_all_per_sample": (fn(lambda x: x.sum(axis=(1, 2, 3))), image()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_matches_onnx_runtime(case):
    tn.manual_seed(0)
    make_model, make_input = CASES[case]
    inputs = make_input
    if not isinstance(make_input(1), tuple):
        inputs = lambda n: (make_input(n),)   # noqa: E731
    check(make_model(), inputs)


@pytest.mark.parametrize("opset", [13, 17, 18, 19])
def test_opsets(opset):
    """Reductions take their axes as an attribute before opset 18 and as an input from 18 on."""
    tn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                          Fn(lambda self, x: x.max(axis=(2, 3)) + x.logsumexp(axis=(2, 3)) + x.mean(axis=(2, 3))),
                          nn.Maxout(3, 2))
    check(model, lambda n: (image()(n),), opset_version=opset)


def test_traced_at_batch_one_runs_at_others():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 3), nn.Softmax(dim=1))
    check(model, lambda n: (randn(1, 8, 8)(n),), batches=(1, 5, 2))


def _all_functions():
    import tinynn.functional  # noqa: F401  (imports every module that defines a Function)
    import tinynn.kernels  # noqa: F401  (and the kernels' faster subclasses of ops)
    import tinynn.losses  # noqa: F401
    import tinynn.nn  # noqa: F401
    found, todo = set(), [function.Function]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("tinynn.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_op_has_a_mapping_or_is_a_loss():
    """(A kernel's faster subclass of an op is traced as the op itself, so it needs no entry.)"""
    functions = _all_functions()
    missing = sorted(c.__name__ for c in functions if c not in TABLE and c.__name__ not in NOT_EXPORTED
                     and not issubclass(c, tuple(TABLE)))
    assert set(NOT_EXPORTED) <= {c.__name__ for c in functions}, "NOT_EXPORTED names an op that does not exist"
    assert not missing, f"ops without an ONNX mapping: {missing}"


def test_the_cases_exercise_every_mapping():
    """Run every case's forward with a tracer that only collects op classes: all of TABLE is covered."""
    seen = set()
    function.tracer = lambda cls, args, options, out: seen.add(cls)
    try:
        for make_model, make_input in CASES.values():
            xs = make_input(2)
            xs = xs if isinstance(xs, tuple) else (xs,)
            model = make_model().eval()
            with tn.no_grad():
                model(*(tn.Tensor(x) for x in xs))
    finally:
        function.tracer = None
    assert not set(TABLE) - seen, f"mappings no case exercises: {sorted(c.__name__ for c in set(TABLE) - seen)}"
