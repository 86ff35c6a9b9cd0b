"""Winograd's F(2×2, 3×3): a 3×3 convolution (stride 1, dilation 1) with 2.25x fewer multiplications.

One dimension first. Two outputs of a 3-tap filter g over four inputs d,
    y0 = d0·g0 + d1·g1 + d2·g2,      y1 = d1·g0 + d2·g1 + d3·g2,
take 6 products directly, but only 4 this way (expand to check):
    m0 = (d0 - d2)·g0           m1 = (d1 + d2)·(g0 + g1 + g2)/2
    m3 = (d1 - d3)·g2           m2 = (d2 - d1)·(g0 - g1 + g2)/2
    y0 = m0 + m1 + m2,          y1 = m1 - m2 - m3.
In matrices, y = Aᵀ [(G g) ⊙ (Bᵀ d)] with

         | 1  0 -1  0 |          | 1    0    0  |
    Bᵀ = | 0  1  1  0 |      G = | 1/2  1/2  1/2|      Aᵀ = | 1  1  1  0 |
         | 0 -1  1  0 |          | 1/2 -1/2  1/2|           | 0  1 -1 -1 |
         | 0  1  0 -1 |          | 0    0    1  |

Nesting it in both directions turns a 4×4 input tile d into a 2×2 output tile (tiles overlap by 2):
    Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A          16 products instead of 36.
The sum over input channels commutes with Aᵀ(·)A, so with U = G w Gᵀ for every (output, input)
channel pair and V = Bᵀ d B for every input channel and tile, each of the 16 entries ξ of a
transformed tile is one matrix product over the channels, done by BLAS:
    M[ξ] (O, T) = U[ξ] (O, C) @ V[ξ] (C, T),        Y = Aᵀ M A for every tile and output channel.
Bᵀ and Aᵀ hold only 0 and ±1, so the tile transforms are additions (G's halves are exact).

Gradients (`backward` at the end): every step is linear, so the backward pass runs their
adjoints (transposes) in reverse order: dM = A dY Aᵀ (output_adjoint), then dU[ξ] = dM[ξ] @ V[ξ]ᵀ
and dw = Gᵀ dU G for the weight, dV[ξ] = U[ξ]ᵀ @ dM[ξ] and dx = B dV Bᵀ (input_adjoint) for the
input, where each pixel collects the gradient of every tile it was copied into (tiles overlap).

Layout: tile (i, j) of image n, covering output rows 2i, 2i+1 and columns 2j, 2j+1, has slot
u = i·(tw + 1) + j in V (16, C, N, th·(tw + 1)) and M (16, O, N, th·(tw + 1)), with th, tw =
ceil(Ho / 2), ceil(Wo / 2). The extra slot j = tw of every tile row is computed and thrown away: it
makes "the tile to the right" and "the tile below" fixed steps (+1, +tw+1) in memory for every tile,
so each transform is one long loop over all tiles of an image, which LLVM turns into vector code.
Input positions outside x (zero padding: pt rows on top, pl columns on the left) read as 0.

This module holds the maths and the numpy twins; numba_winograd.py compiles the same four
transforms with numba (imported only when numba is used). Both do the same additions in the same
order, so they give the same bits (tests/kernels/test_conv_winograd.py checks it).
"""
import numpy as np

from .chunks import add_up, chunks, map_chunks, scratch
from .warmup import numba_kernel

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)


def tiles(Ho, Wo):
    """(th, tw, slots): tile rows and columns of an Ho×Wo output, and tile slots per image."""
    th, tw = (Ho + 1) // 2, (Wo + 1) // 2
    return th, tw, th * (tw + 1)


def weight_transform(w):
    """U = G w Gᵀ: w (O, C, 3, 3) -> U (16, O, C), contiguous, U[4k + l] = entry (k, l) of the 4×4.
    (tensordot hands the contractions to BLAS: 3x faster than a batched matmul of the 3×3 blocks.)"""
    g = G.astype(w.dtype)
    u = np.tensordot(g, np.tensordot(w, g, axes=(3, 1)), axes=(1, 2))          # (k, O, C, l)
    return np.ascontiguousarray(u.transpose(0, 3, 1, 2)).reshape(16, w.shape[0], w.shape[1])


def weight_transform_adjoint(du):
    """dw = Gᵀ dU G: du (16, O, C) -> (O, C, 3, 3)."""
    g = G.astype(du.dtype)
    d = np.tensordot(np.tensordot(g, du.reshape(4, 4, *du.shape[1:]), axes=(0, 0)), g, axes=(1, 0))
    return np.ascontiguousarray(d.transpose(1, 2, 0, 3))                        # (i, O, C, j) -> (O, C, i, j)


# ---- the 1-D transforms, on numbers (numba_winograd.py compiles these) or on whole arrays ---------
def bt_1d(d0, d1, d2, d3):
    """Bᵀ d: four inputs of a tile row or column -> four transformed values."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


def b_1d(v0, v1, v2, v3):
    """B v, the adjoint (transpose) of Bᵀ: four transformed gradients -> four input gradients."""
    return v0, v1 - v2 + v3, v1 + v2 - v0, -v3


def at_1d(m0, m1, m2, m3):
    """Aᵀ m: four transformed values -> two outputs."""
    return m0 + m1 + m2, m1 - m2 - m3


def a_1d(y0, y1):
    """A y, the adjoint of Aᵀ: two output gradients -> four."""
    return y0, y0 + y1, y0 - y1, -y1


# ---- numpy twins: the steps of the numba kernels, on all images and channels at once -------------
def _by_row_parity(x, th, tw, pt, pl):
    """R (2, C, N, (th+1)·S2 + 2): R[r, c, n, i·S2 + s] = x zero-padded at row 2i + r, column s."""
    N, C, H, W = x.shape
    S2 = 2 * tw + 2
    xp = np.zeros((N, C, 2 * th + 2, S2), dtype=x.dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    R = np.zeros((2, C, N, (th + 1) * S2 + 2), dtype=x.dtype)
    for r in range(2):
        R[r, ..., :-2] = xp[:, :, r::2].transpose(1, 0, 2, 3).reshape(C, N, -1)
    return R


def input_numpy(x, th, tw, pt, pl, out):
    """V = Bᵀ d B for every 4×4 tile d of x (N, C, H, W) -> out (16, C, N, th·(tw+1)); rows first."""
    S, S2 = th * (tw + 1), 2 * tw + 2
    R = _by_row_parity(x, th, tw, pt, pl)
    e = [bt_1d(R[0, ..., b:b + 2 * S + 2:2], R[1, ..., b:b + 2 * S + 2:2],
               R[0, ..., b + S2:b + S2 + 2 * S + 2:2], R[1, ..., b + S2:b + S2 + 2 * S + 2:2]) for b in range(2)]
    for a in range(4):
        v = bt_1d(e[0][a][..., :S], e[1][a][..., :S], e[0][a][..., 1:], e[1][a][..., 1:])
        for l in range(4):
            out[4 * a + l] = v[l]
    return out


def input_adjoint_numpy(dv, th, tw, pt, pl, gx):
    """gx (N, C, H, W) = the adjoint of input_numpy for dv (16, C, N, th·(tw+1)): B dV Bᵀ of every tile
    added back onto the pixels it was copied from. Each pixel gets its (up to four) tiles' terms as
    two-term sums, first along the row, then between tile rows."""
    N, C, H, W = gx.shape
    S, S2 = th * (tw + 1), 2 * tw + 2
    de = np.empty((2, 4, C, N, S + 1), dtype=gx.dtype)          # gradient of e, as in input_numba
    for a in range(4):
        z = b_1d(dv[4 * a], dv[4 * a + 1], dv[4 * a + 2], dv[4 * a + 3])
        for b in range(2):                                      # column 2u + b is column b of tile u
            de[b, a, ..., 0] = z[b][..., 0]                     # and column b + 2 of tile u - 1
            de[b, a, ..., 1:S] = z[b][..., 1:] + z[b + 2][..., :-1]
            de[b, a, ..., S] = z[b + 2][..., S - 1]
    wk = np.empty((4, C, N, 2 * S + 2), dtype=gx.dtype)         # tile row k's gradient at column 2u + b
    for b in range(2):
        wk[..., b::2] = b_1d(de[b, 0], de[b, 1], de[b, 2], de[b, 3])
    L = 2 * S + 2
    dR = np.empty((2, C, N, L + S2), dtype=gx.dtype)            # gradient of R: tile rows k and k + 2
    for r in range(2):
        dR[r, ..., :S2] = wk[r, ..., :S2]
        dR[r, ..., S2:L] = wk[r, ..., S2:] + wk[r + 2, ..., :L - S2]
        dR[r, ..., L:] = wk[r + 2, ..., L - S2:]
    gxp = np.empty((N, C, 2 * th + 2, S2), dtype=gx.dtype)
    for r in range(2):
        gxp[:, :, r::2] = dR[r, ..., :-2].reshape(C, N, th + 1, S2).transpose(1, 0, 2, 3)
    gx[...] = gxp[:, :, pt:pt + H, pl:pl + W]
    return gx


def output_numpy(m, th, tw, bias, y):
    """y (N, O, Ho, Wo) = Aᵀ M A for every tile of m (16, O, N, th·(tw+1)), + bias (O,) unless it is
    empty; rows first."""
    N, O, Ho, Wo = y.shape
    r = [at_1d(m[l], m[4 + l], m[8 + l], m[12 + l]) for l in range(4)]
    full = np.empty((N, O, 2 * th, 2 * tw + 2), dtype=y.dtype)
    for a in range(2):
        ya = at_1d(r[0][a], r[1][a], r[2][a], r[3][a])
        for b in range(2):
            full[:, :, a::2, b::2] = ya[b].reshape(O, N, th, tw + 1).transpose(1, 0, 2, 3)
    y[...] = full[:, :, :Ho, :Wo]
    if bias.size:
        y += bias.reshape(1, O, 1, 1)
    return y


def output_adjoint_numpy(gy, th, tw, out):
    """dM = A dY Aᵀ for every 2×2 tile dY of gy (N, O, Ho, Wo) -> out (16, O, N, th·(tw+1)); rows first."""
    N, O, Ho, Wo = gy.shape
    gp = np.zeros((N, O, 2 * th, 2 * tw + 2), dtype=gy.dtype)
    gp[:, :, :Ho, :Wo] = gy
    g = [[gp[:, :, a::2, b::2].transpose(1, 0, 2, 3).reshape(O, N, -1) for b in range(2)] for a in range(2)]
    p = [a_1d(g[0][b], g[1][b]) for b in range(2)]
    for k in range(4):
        dm = a_1d(p[0][k], p[1][k])
        for l in range(4):
            out[4 * k + l] = dm[l]
    return out


# ---- the algorithm's driver (a row of ALGORITHMS in conv.py) ------------------------------------------
WINOGRAD_CHUNK_ELEMENTS = 1 << 18  # transformed tiles (V and M) of one chunk
WINOGRAD_NUMBA = tuple(numba_kernel("tinynn.kernels.numba_winograd", name) for name in
                       ("input_numba", "input_adjoint_numba", "output_numba", "output_adjoint_numba"))
WINOGRAD_NUMPY = (input_numpy, input_adjoint_numpy, output_numpy, output_adjoint_numpy)


def _winograd_kernels(use_numba):
    """The tile transforms (input, input_adjoint, output, output_adjoint): numba's, or the numpy twins."""
    return WINOGRAD_NUMBA if use_numba else WINOGRAD_NUMPY


def forward(x, w, bias, stride, padding, dilation, use_numba):
    """y = x ⋆ w + bias for a 3×3 kernel, stride 1: per chunk of samples, tiles V = input transform of x,
    M[ξ] = U[ξ] @ V[ξ] (16 BLAS products, U = weight transform), y = output transform of M + bias."""
    (N, C, H, W), O = x.shape, w.shape[0]
    Ho, Wo = H + padding[0] + padding[1] - 2, W + padding[2] + padding[3] - 2
    th, tw, S = tiles(Ho, Wo)
    to_tiles, _, from_tiles, _ = _winograd_kernels(use_numba)
    u = weight_transform(w)
    bias = np.zeros(0, dtype=x.dtype) if bias is None else np.ascontiguousarray(bias, dtype=x.dtype)
    y = np.empty((N, O, Ho, Wo), dtype=x.dtype)

    def chunk(s, e):
        n = e - s
        v = to_tiles(x[s:e], th, tw, padding[0], padding[2], scratch("v", (16, C, n, S), x.dtype))
        m = np.matmul(u, v.reshape(16, C, n * S), out=scratch("m", (16, O, n * S), x.dtype))
        from_tiles(m.reshape(16, O, n, S), th, tw, bias, y[s:e])
    map_chunks(chunk, chunks(N, 16 * (C + O) * S, WINOGRAD_CHUNK_ELEMENTS), O * C * 9 * Ho * Wo)
    return y


def backward(x, w, gy, stride, padding, dilation, need_x, need_w, use_numba):
    """The forward steps' adjoints in reverse, per chunk: dM = output_adjoint(dY); dL/dw = Gᵀ (Σ dM[ξ] @
    V[ξ]ᵀ) G with V recomputed; dL/dx = input_adjoint(U[ξ]ᵀ @ dM[ξ])."""
    (N, C, H, W), O = x.shape, w.shape[0]
    if not (need_x or need_w):
        return None, None
    gy = np.ascontiguousarray(gy)
    th, tw, S = tiles(*gy.shape[2:])
    to_tiles, from_tiles_adjoint, _, adjoint = _winograd_kernels(use_numba)
    u_t = weight_transform(w).transpose(0, 2, 1)
    gx = np.empty(x.shape, dtype=x.dtype) if need_x else None

    def chunk(s, e):
        """Fills gx[s:e]; returns this chunk's share of dU."""
        n = e - s
        dm = adjoint(gy[s:e], th, tw, scratch("m", (16, O, n, S), x.dtype)).reshape(16, O, n * S)
        v = scratch("v", (16, C, n, S), x.dtype)
        du = None
        if need_w:
            to_tiles(x[s:e], th, tw, padding[0], padding[2], v)
            du = np.matmul(dm, v.reshape(16, C, n * S).transpose(0, 2, 1))
        if need_x:
            np.matmul(u_t, dm, out=v.reshape(16, C, n * S))
            from_tiles_adjoint(v, th, tw, padding[0], padding[2], gx[s:e])
        return du
    shares = map_chunks(chunk, chunks(N, 16 * (C + O) * S, WINOGRAD_CHUNK_ELEMENTS), O * C * 9 * H * W)
    if not need_w:
        return gx, None
    return gx, weight_transform_adjoint(add_up(shares))
