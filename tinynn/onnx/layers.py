"""ONNX mappings of the layer ops: the fused linear map, convolution and pooling
(tinynn/nn/linear.py, tinynn/ops/conv.py). Called as mapping(g, args, options, out), see elementwise.py.

tinynn writes spatial padding as (top, bottom, left, right); ONNX as [top, left, bottom, right].
"""
from .graph import INT64_MAX


def _pads(padding):
    top, bottom, left, right = padding
    return [int(top), int(left), int(bottom), int(right)]


def linear(g, args, options, out):
    """x Wᵀ + b -> Gemm(x, W, b, transB=1) for a 2-D x (what FPGA toolchains such as hls4ml read);
    MatMul(x, Transpose(W)) + b for batched x (..., in)."""
    x, w, b = (list(args) + [None])[:3]
    x_name, w_name, b_name = g.input(x), g.input(w), g.input(b)
    if x.ndim == 2:
        return g.node("Gemm", [x_name, w_name, b_name], transB=1)
    y = g.node("MatMul", [x_name, g.node("Transpose", [w_name], perm=[1, 0])])
    return y if b is None else g.node("Add", [y, b_name])


def _circular(g, x, padding):
    """Periodic padding as slices and concatenations: the last `top` rows go above, the first `bottom`
    rows below, then the same for columns (corners included, as on a torus). ONNX's Pad has a 'wrap'
    mode only from opset 19 on; this construction runs in every opset and every runtime."""
    top, bottom, left, right = padding
    for axis, before, after in ((2, top, bottom), (3, left, right)):
        if before or after:
            parts = ([g.slice(x, axis, -before, INT64_MAX)] if before else []) + [x] + \
                    ([g.slice(x, axis, 0, after)] if after else [])
            x = g.node("Concat", parts, axis=axis)
    return x


def conv2d(g, args, options, out):
    """-> Conv(strides, dilations, pads). 'circular' padding is built from Slice + Concat (above),
    'reflect' is Pad(mode='reflect') (numpy's reflect: the edge is not repeated); both then run a
    Conv without padding, as tinynn does."""
    x, w, b = (list(args) + [None])[:3]
    padding, mode = options.get("padding", (0, 0, 0, 0)), options.get("padding_mode", "zeros")
    name = g.input(x)
    if mode != "zeros" and any(padding):
        if mode == "circular":
            name = _circular(g, name, padding)
        else:
            top, bottom, left, right = padding
            name = g.node("Pad", [name, g.ints([0, 0, top, left, 0, 0, bottom, right])], mode="reflect")
        padding = (0, 0, 0, 0)
    return g.node("Conv", [name, g.input(w), g.input(b)], kernel_shape=list(w.shape[2:]),
                  strides=list(options.get("stride", (1, 1))), dilations=list(options.get("dilation", (1, 1))),
                  pads=_pads(padding))


def max_pool2d(g, args, options, out):
    """-> MaxPool (padding never wins a max, as tinynn's -inf padding; floor of the output size)."""
    return g.node("MaxPool", [g.input(args[0])], kernel_shape=list(options["kernel"]),
                  strides=list(options["stride"]), pads=_pads(options.get("padding", (0, 0, 0, 0))))


def avg_pool2d(g, args, options, out):
    """-> AveragePool(count_include_pad=1): tinynn counts the zero padding in each window's mean."""
    return g.node("AveragePool", [g.input(args[0])], kernel_shape=list(options["kernel"]),
                  strides=list(options["stride"]), pads=_pads(options.get("padding", (0, 0, 0, 0))),
                  count_include_pad=1)
