"""The readable reference convolution: a loop over output pixels, the one to read first.

Convolution in deep learning is a cross-correlation (the kernel is not flipped). With the input
zero-padded to xp, stride s and dilation d, output pixel (p, q) of sample n and channel o is

    y[n, o, p, q] = Σ_{c,i,j} w[o, c, i, j] · xp[n, c, p·s_h + i·d_h, q·s_w + j·d_w]

i.e. the dot product of the weight with the (C, kh, kw) window of xp under that pixel. Shapes:
x (N, C, H, W), w (O, C, kh, kw), y (N, O, Ho, Wo) with Ho = (H + pads - d_h(kh-1) - 1) // s_h + 1.

The backward pass runs the same loop: each pixel's window received w·g in the forward direction,
so it sends g·w back to the window (input gradient) and g·window to the weight (weight gradient).
The fast kernels in this package must agree with these loops to round-off (tests/kernels/test_conv_kernels.py).
"""
import numpy as np

from ..ops.padding import fold2d, pad2d


def output_size(size, kernel, stride, pad_total, dilation):
    """Number of window positions along one axis: (size + pads - dilation·(kernel-1) - 1) // stride + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def _window(p, q, kh, kw, stride, dilation):
    """The (kh, kw) index window of padded input under output pixel (p, q)."""
    (sh, sw), (dh, dw) = stride, dilation
    return (slice(None), slice(None),
            slice(p * sh, p * sh + dh * (kh - 1) + 1, dh), slice(q * sw, q * sw + dw * (kw - 1) + 1, dw))


def conv2d_forward_reference(x, w, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1)):
    """y[:, :, p, q] = window(p, q) · w, contracted over (C, kh, kw)."""
    xp = pad2d(x, padding)
    (N, _, H, W), (O, _, kh, kw) = xp.shape, w.shape
    Ho, Wo = output_size(H, kh, stride[0], 0, dilation[0]), output_size(W, kw, stride[1], 0, dilation[1])
    y = np.zeros((N, O, Ho, Wo), dtype=np.result_type(x, w))
    for p in range(Ho):
        for q in range(Wo):
            patch = xp[_window(p, q, kh, kw, stride, dilation)]            # (N, C, kh, kw)
            y[:, :, p, q] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return y


def conv2d_backward_input_reference(gy, w, x_shape, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1)):
    """dL/dx: every window gets g[:, :, p, q] · w added back; then the zero border is dropped."""
    N, C, H, W = x_shape
    kh, kw = w.shape[2:]
    gxp = np.zeros((N, C, H + padding[0] + padding[1], W + padding[2] + padding[3]), dtype=gy.dtype)
    for p in range(gy.shape[2]):
        for q in range(gy.shape[3]):
            gxp[_window(p, q, kh, kw, stride, dilation)] += np.tensordot(gy[:, :, p, q], w, axes=(1, 0))
    return fold2d(gxp, padding)


def conv2d_backward_weight_reference(x, gy, w_shape, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1)):
    """dL/dw = Σ over samples and pixels of g[n, o, p, q] · window(p, q)[n]."""
    xp = pad2d(x, padding)
    kh, kw = w_shape[2:]
    gw = np.zeros(w_shape, dtype=gy.dtype)
    for p in range(gy.shape[2]):
        for q in range(gy.shape[3]):
            gw += np.tensordot(gy[:, :, p, q], xp[_window(p, q, kh, kw, stride, dilation)], axes=(0, 0))
    return gw
