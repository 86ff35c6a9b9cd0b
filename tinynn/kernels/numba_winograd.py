"""The numba kernels of Winograd's F(2×2, 3×3) (the maths and the numpy twins are in winograd.py).

This module imports numba, so it is loaded only when numba is used. The kernels compile the 1-D
transforms of winograd.py and do the same additions in the same order as its numpy twins, so both
give the same bits.
"""
import numpy as np
from numba import njit

from . import winograd

_bt = njit(cache=True, nogil=True)(winograd.bt_1d)
_b = njit(cache=True, nogil=True)(winograd.b_1d)
_at = njit(cache=True, nogil=True)(winograd.at_1d)
_a = njit(cache=True, nogil=True)(winograd.a_1d)


# What made LLVM vectorise the loops over tiles (measured 3-10x faster than what it did otherwise):
# - one loop over all tiles of an image (it needs 32 iterations here), image rows regrouped by row
#   parity first: R[r, i·S2 + s] = row 2i + r of the image, S2 = 2·(tw + 1) = twice the slot pitch,
#   so the tile in slot u starts at column 2u of R[r] and the tile row below at 2u + S2;
# - at most 8 arrays written per loop (with 16 it gave up): rows then columns, through scratch;
# - every index provably >= 0, or numba's check for negative (wrap-around) indices turns each vector
#   load into a gather (10x slower): sizes and offsets that are arguments pass through max(·, 0).
@njit(cache=True, nogil=True)
def input_numba(x, th, tw, pt, pl, out):
    """V = Bᵀ d B for every 4×4 tile d of x (N, C, H, W) -> out (16, C, N, th·(tw+1)); rows first.
    pt, pl >= 0: zero rows above and columns left of x."""
    N, C, H, W = x.shape
    th, tw, pt, pl = max(th, 0), max(tw, 0), max(pt, 0), max(pl, 0)
    S, S2 = max(th * (tw + 1), 0), max(2 * (tw + 1), 0)
    R = np.zeros((2, (th + 1) * S2 + 2), dtype=x.dtype)      # the zero-padded image by row parity
    e = np.empty((2, 4, S + 1), dtype=x.dtype)              # Bᵀ on the tile rows: e[b, a, u], column 2u + b
    for n in range(N):
        for c in range(C):
            for h in range(H):
                r, base = (h + pt) % 2, max((h + pt) // 2 * S2 + pl, 0)
                for w in range(W):
                    R[r, base + w] = x[n, c, h, w]
            for u in range(S + 1):                          # tile rows 0..3 = R[0], R[1], R[0] + S2, R[1] + S2
                e[0, 0, u], e[0, 1, u], e[0, 2, u], e[0, 3, u] = _bt(
                    R[0, 2 * u], R[1, 2 * u], R[0, 2 * u + S2], R[1, 2 * u + S2])
                e[1, 0, u], e[1, 1, u], e[1, 2, u], e[1, 3, u] = _bt(
                    R[0, 2 * u + 1], R[1, 2 * u + 1], R[0, 2 * u + 1 + S2], R[1, 2 * u + 1 + S2])
            for a in range(4):                              # then B on the columns 2u .. 2u + 3, row a
                for u in range(S):
                    out[4 * a, c, n, u], out[4 * a + 1, c, n, u], out[4 * a + 2, c, n, u], \
                        out[4 * a + 3, c, n, u] = _bt(e[0, a, u], e[1, a, u], e[0, a, u + 1], e[1, a, u + 1])
    return out


@njit(cache=True, nogil=True)
def input_adjoint_numba(dv, th, tw, pt, pl, gx):
    """gx (N, C, H, W) = the adjoint of input_numba for dv (16, C, N, th·(tw+1)): B dV Bᵀ of every tile
    added back onto the pixels it was copied from, as two-term sums in the order of the numpy twin."""
    N, C, H, W = gx.shape
    th, tw, pt, pl = max(th, 0), max(tw, 0), max(pt, 0), max(pl, 0)
    S, S2 = max(th * (tw + 1), 0), max(2 * (tw + 1), 0)
    L = max(2 * S + 2, 0)
    last = max(L - S2, 0)                                   # where tile row r + 2 reaches past tile row r
    z = np.empty((4, S), dtype=gx.dtype)                    # B on the columns of row a of every tile
    de = np.empty((2, 4, S + 1), dtype=gx.dtype)            # gradient of e[b, a, u] of input_numba
    wk = np.empty((4, L), dtype=gx.dtype)                   # B on the tile rows: tile row k, column 2u + b
    dR = np.empty((2, L + S2), dtype=gx.dtype)              # gradient of R
    for n in range(N):
        for c in range(C):
            for a in range(4):
                for u in range(S):
                    z[0, u], z[1, u], z[2, u], z[3, u] = _b(dv[4 * a, c, n, u], dv[4 * a + 1, c, n, u],
                                                            dv[4 * a + 2, c, n, u], dv[4 * a + 3, c, n, u])
                for b in range(2):                          # column 2u + b: column b of tile u,
                    de[b, a, 0] = z[b, 0]                   # column b + 2 of tile u - 1
                    for u in range(S - 1):
                        de[b, a, u + 1] = z[b, u + 1] + z[b + 2, u]
                    de[b, a, S] = z[b + 2, S - 1]
            for u in range(S + 1):
                wk[0, 2 * u], wk[1, 2 * u], wk[2, 2 * u], wk[3, 2 * u] = _b(
                    de[0, 0, u], de[0, 1, u], de[0, 2, u], de[0, 3, u])
                wk[0, 2 * u + 1], wk[1, 2 * u + 1], wk[2, 2 * u + 1], wk[3, 2 * u + 1] = _b(
                    de[1, 0, u], de[1, 1, u], de[1, 2, u], de[1, 3, u])
            for r in range(2):                              # R[r] was read as tile row r and r + 2
                for s in range(S2):
                    dR[r, s] = wk[r, s]
                for s in range(L - S2):
                    dR[r, s + S2] = wk[r, s + S2] + wk[r + 2, s]
                for s in range(S2):
                    dR[r, s + L] = wk[r + 2, s + last]
            for h in range(H):
                r, base = (h + pt) % 2, max((h + pt) // 2 * S2 + pl, 0)
                for w in range(W):
                    gx[n, c, h, w] = dR[r, base + w]
    return gx


@njit(cache=True, nogil=True)
def output_numba(m, th, tw, bias, y):
    """y (N, O, Ho, Wo) = Aᵀ M A for every tile of m (16, O, N, th·(tw+1)), + bias (O,) unless it is
    empty; rows first."""
    N, O, Ho, Wo = y.shape
    th, tw = max(th, 0), max(tw, 0)
    S, S2 = max(th * (tw + 1), 0), max(2 * (tw + 1), 0)
    r = np.empty((2, 4, S), dtype=y.dtype)                  # Aᵀ on the tile rows: r[a, l, u]
    Y = np.empty((2, S * 2), dtype=y.dtype)                 # output row 2i + a, column q at Y[a, i·S2 + q]
    for n in range(N):
        for o in range(O):
            for l in range(4):
                for u in range(S):
                    r[0, l, u], r[1, l, u] = _at(m[l, o, n, u], m[4 + l, o, n, u], m[8 + l, o, n, u],
                                                 m[12 + l, o, n, u])
            for a in range(2):                              # then A on the columns, row a
                for u in range(S):
                    Y[a, 2 * u], Y[a, 2 * u + 1] = _at(r[a, 0, u], r[a, 1, u], r[a, 2, u], r[a, 3, u])
            for p in range(Ho):
                a, base = p % 2, max(p // 2 * S2, 0)
                if bias.size:
                    for q in range(Wo):
                        y[n, o, p, q] = Y[a, base + q] + bias[o]
                else:
                    for q in range(Wo):
                        y[n, o, p, q] = Y[a, base + q]
    return y


@njit(cache=True, nogil=True)
def output_adjoint_numba(gy, th, tw, out):
    """dM = A dY Aᵀ for every 2×2 tile dY of gy (N, O, Ho, Wo) -> out (16, O, N, th·(tw+1)); rows first."""
    N, O, Ho, Wo = gy.shape
    th, tw = max(th, 0), max(tw, 0)
    S, S2 = max(th * (tw + 1), 0), max(2 * (tw + 1), 0)
    g = np.zeros((2, S * 2), dtype=gy.dtype)                # gy row 2i + a, column q at g[a, i·S2 + q]; 0 outside
    p = np.empty((4, 2, S), dtype=gy.dtype)                 # A on the tile rows: p[k, b, u]
    for n in range(N):
        for o in range(O):
            for q in range(Ho):
                a, base = q % 2, max(q // 2 * S2, 0)
                for w in range(Wo):
                    g[a, base + w] = gy[n, o, q, w]
            for u in range(S):
                p[0, 0, u], p[1, 0, u], p[2, 0, u], p[3, 0, u] = _a(g[0, 2 * u], g[1, 2 * u])
                p[0, 1, u], p[1, 1, u], p[2, 1, u], p[3, 1, u] = _a(g[0, 2 * u + 1], g[1, 2 * u + 1])
            for k in range(4):                              # then Aᵀ on the columns, row k
                for u in range(S):
                    out[4 * k, o, n, u], out[4 * k + 1, o, n, u], out[4 * k + 2, o, n, u], \
                        out[4 * k + 3, o, n, u] = _a(p[k, 0, u], p[k, 1, u])
    return out


NUMBA_KERNELS = (input_numba, input_adjoint_numba, output_numba, output_adjoint_numba)


def warm():
    """Compile (or load from numba's cache) every kernel for float32 and float64 on tiny inputs."""
    for dtype in (np.float32, np.float64):
        x = np.zeros((1, 1, 3, 3), dtype=dtype)
        v = np.zeros((16, 1, 1, 6), dtype=dtype)
        input_numba(x, 2, 2, 1, 1, v)
        input_adjoint_numba(v, 2, 2, 1, 1, x)
        output_numba(v, 2, 2, np.zeros(1, dtype=dtype), x)
        output_numba(v, 2, 2, np.zeros(0, dtype=dtype), x)
        output_adjoint_numba(x, 2, 2, v)
