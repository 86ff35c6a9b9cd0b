"""Bad shapes and arguments give messages that name the layer, the input shape and what was expected."""
import numpy as np
import pytest

import tinynn as tn
import tinynn.functional as F
import tinynn.nn as nn


def test_channels_last_input_is_recognised():
    conv = nn.Conv2d(1, 8, 3)
    with pytest.raises(ValueError) as err:
        conv(tn.zeros(200, 28, 28, 1))
    message = str(err.value)
    for part in ("Conv2d(1, 8, kernel_size=(3, 3)", "(200, 28, 28, 1)", "(N, 1, H, W)", "channels-last",
                 "x.permute(0, 3, 1, 2)"):
        assert part in message


def test_wrong_channel_count_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 4.*expected input of shape \(N, 3, H, W\).*got \(2, 5, 8, 8\)$"):
        nn.Conv2d(3, 4, 3)(tn.zeros(2, 5, 8, 8))


def test_wrong_rank_and_too_small_inputs():
    with pytest.raises(ValueError, match=r"expected a 4-D input \(N, 1, H, W\).*got shape \(28, 28\)"):
        nn.Conv2d(1, 2, 3)(tn.zeros(28, 28))
    with pytest.raises(ValueError, match=r"input of shape \(1, 1, 2, 5\) is too small for a 3x3 kernel"):
        nn.Conv2d(1, 2, 3)(tn.zeros(1, 1, 2, 5))
    with pytest.raises(ValueError, match=r"MaxPool2d.*too small for a 2x2 window"):
        nn.MaxPool2d(2)(tn.zeros(1, 1, 1, 4))


def test_unbatched_input_works_like_pytorch():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    x = tn.randn(2, 5, 4)
    assert conv(x).shape == (3, 5, 4)
    assert np.allclose(conv(x).data, conv(x.reshape(1, 2, 5, 4)).data[0])
    assert nn.MaxPool2d(2)(x).shape == (2, 2, 2)


@pytest.mark.parametrize("kwargs,match", [
    (dict(padding="same", stride=2), "padding='same' needs stride 1"),
    (dict(padding="full"), "padding must be an int, a pair, 'same' or 'valid'"),
    (dict(padding=-1), "padding must be non-negative"),
    (dict(padding_mode="periodic"), "padding_mode must be one of"),
    (dict(stride=0), "stride must be >= 1"),
    (dict(kernel_size=(3, 3, 3)), "kernel_size must be an int or a pair of ints"),
])
def test_bad_conv_arguments_fail_at_construction(kwargs, match):
    args = dict(in_channels=1, out_channels=2, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(**args)


def test_bad_channel_counts():
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        nn.Conv2d(0, 2, 3)
    with pytest.raises(ValueError, match="out_channels must be a positive integer"):
        nn.Conv2d(1, 2.5, 3)


def test_padding_too_large_for_circular_and_reflect():
    with pytest.raises(ValueError, match="circular padding of 4 is larger than the input height 3"):
        nn.Conv2d(1, 1, 3, padding=4, padding_mode="circular")(tn.zeros(1, 1, 3, 9))
    with pytest.raises(ValueError, match="reflect padding of 3 needs an input width of at least 4"):
        nn.Conv2d(1, 1, 3, padding=(0, 3), padding_mode="reflect")(tn.zeros(1, 1, 5, 3))


def test_dtypes():
    conv = nn.Conv2d(1, 2, 3)
    assert conv(np.zeros((1, 1, 4, 4))).dtype == np.float32          # arrays and float64 are cast, as in Linear
    assert nn.Conv2d(1, 2, 3, dtype=np.float64).weight.dtype == np.float64
    w = tn.zeros(2, 1, 3, 3)
    with pytest.raises(TypeError, match="the weight is float32 but the bias is float64"):
        F.conv2d(tn.zeros(1, 1, 4, 4), w, tn.Tensor(np.zeros(2)))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\), got \(3,\)"):
        F.conv2d(tn.zeros(1, 1, 4, 4), w, tn.zeros(3))
    with pytest.raises(TypeError, match="expected a floating-point input, got dtype int64"):
        F.max_pool2d(tn.Tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)


def test_pooling_arguments():
    with pytest.raises(ValueError, match="padding must be between 0 and half the kernel size"):
        F.max_pool2d(tn.zeros(1, 1, 6, 6), 2, padding=2)
    with pytest.raises(ValueError, match=r"output size \(4, 4\) must divide the input size \(6, 6\)"):
        nn.AdaptiveAvgPool2d(4)(tn.zeros(1, 1, 6, 6))
    for bad in ("2", 2.0, (2, 2, 2)):
        with pytest.raises(ValueError, match="kernel_size must be an int or a pair"):
            nn.MaxPool2d(bad)
