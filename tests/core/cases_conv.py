"""Registry cases for convolution and pooling (tinynn/ops/conv.py): every variant is gradchecked in float64.

Shapes are tiny because the full gradcheck does one backward pass per output element. Pooling inputs
are random normal, so ties (where max pooling is not differentiable) have probability zero.
"""
import tinynn.functional as F
from registry import Case

CASES = [
    Case("conv2d", lambda x, w, b: F.conv2d(x, w, b), [(2, 2, 5, 5), (3, 2, 3, 3), (3,)]),
    Case("conv2d_batch1_stride2_pad1_nobias", lambda x, w: F.conv2d(x, w, stride=2, padding=1),
         [(1, 2, 6, 5), (2, 2, 3, 3)]),
    Case("conv2d_same_dilation2", lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=2),
         [(2, 1, 6, 5), (2, 1, 3, 3), (2,)]),
    Case("conv2d_same_even_kernel", lambda x, w: F.conv2d(x, w, padding="same"), [(1, 2, 4, 5), (2, 2, 2, 2)]),
    Case("conv2d_rect_kernel_stride_valid", lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding="valid"),
         [(2, 2, 4, 7), (3, 2, 1, 3), (3,)]),
    Case("conv2d_asymmetric_all", lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(2, 1), dilation=(1, 2)),
         [(1, 2, 5, 6), (2, 2, 3, 2)]),
    Case("conv2d_circular", lambda x, w, b: F.conv2d(x, w, b, padding=1, padding_mode="circular"),
         [(2, 2, 4, 5), (2, 2, 3, 3), (2,)]),
    Case("conv2d_circular_wide_pad_stride", lambda x, w: F.conv2d(x, w, stride=(1, 2), padding=(2, 3),
                                                                   padding_mode="circular"),
         [(1, 1, 3, 4), (2, 1, 3, 2)]),
    Case("conv2d_reflect", lambda x, w, b: F.conv2d(x, w, b, padding=(2, 1), padding_mode="reflect"),
         [(1, 2, 4, 5), (2, 2, 3, 2), (2,)]),
    Case("conv2d_reflect_same_dilation", lambda x, w: F.conv2d(x, w, padding="same", dilation=2,
                                                                padding_mode="reflect"),
         [(2, 1, 5, 4), (1, 1, 2, 3)]),
    Case("conv2d_unbatched", lambda x, w, b: F.conv2d(x, w, b, padding=1), [(2, 4, 3), (2, 2, 3, 3), (2,)]),
    Case("max_pool2d", lambda x: F.max_pool2d(x, 2), [(2, 2, 4, 6)]),
    Case("max_pool2d_odd_size_stride1", lambda x: F.max_pool2d(x, (2, 3), stride=1), [(1, 2, 5, 5)]),
    Case("max_pool2d_overlap_pad", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [(2, 1, 5, 6)]),
    Case("avg_pool2d", lambda x: F.avg_pool2d(x, 2), [(2, 2, 4, 5)]),
    Case("avg_pool2d_overlap_pad", lambda x: F.avg_pool2d(x, 3, stride=(2, 1), padding=1), [(1, 2, 5, 4)]),
    Case("adaptive_avg_pool2d_global", lambda x: F.adaptive_avg_pool2d(x, 1), [(2, 3, 3, 4)]),
    Case("adaptive_avg_pool2d_2x2", lambda x: F.adaptive_avg_pool2d(x, 2), [(1, 2, 4, 6)]),
    Case("conv_relu_pool_chain", lambda x, w: F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2),
         [(1, 1, 4, 4), (2, 1, 3, 3)]),
]
