"""NumPy simulation of FP8 E4M3 (`f8E4M3FN`) storage, independent of the
compiler (ml_dtypes is not available, torch 1.13 has no float8).

E4M3FN: 1 sign bit, 4 exponent bits (bias 7), 3 mantissa bits; no
infinities; 0x7f / 0xff are NaN; the largest finite value is 448, the
smallest subnormal 2^-9. quantc's quantize rule (QuantCOps.h encodeE4M3FN):
the nearest E4M3 value with ties to even, subnormals included, magnitudes
saturated at 448, NaN to +0.

This module computes the encoding from the value table (every finite E4M3
value, sorted) rather than with the bit tricks of the C++ encoder, so that the
two are independent implementations of one rule.
"""
import numpy as np

E4M3_MAX = 448.0


def decode(q):
    """float32 values of E4M3FN bytes `q` (uint8 array): NaN for 0x7f/0xff."""
    q = np.asarray(q, dtype=np.uint8).astype(np.int32)
    s = np.where(q & 0x80, -1.0, 1.0)
    e = (q >> 3) & 15
    m = q & 7
    mag = np.where(e == 0, m * 2.0 ** -9, (1.0 + m / 8.0) * np.exp2(e - 7.0))
    v = s * mag
    v = np.where((q & 0x7f) == 0x7f, np.nan, v)
    return v.astype(np.float32)


# The 127 non-negative finite values (codes 0x00..0x7e), increasing.
_CODES = np.arange(0x7f, dtype=np.uint8)
_VALUES = decode(_CODES).astype(np.float64)


def encode(x):
    """E4M3FN bytes (uint8) of float32 `x`: nearest value, ties to the even
    code (even mantissa), |x| saturated at 448, NaN to 0."""
    x = np.asarray(x, dtype=np.float32)
    nan = np.isnan(x)
    a = np.minimum(np.abs(np.where(nan, 0, x)).astype(np.float64), E4M3_MAX)
    # Index of the first table value >= a; compare with the one below.
    hi = np.clip(np.searchsorted(_VALUES, a, side="left"), 0, len(_VALUES) - 1)
    lo = np.maximum(hi - 1, 0)
    dlo = a - _VALUES[lo]
    dhi = _VALUES[hi] - a
    # Ties: the even code (its mantissa's low bit is 0).
    pick_hi = (dhi < dlo) | ((dhi == dlo) & (_CODES[hi] % 2 == 0))
    code = np.where(pick_hi, _CODES[hi], _CODES[lo]).astype(np.uint8)
    sign = (np.signbit(x) & ~nan).astype(np.uint8) << 7
    return (code | sign).astype(np.uint8)


def quantize(x, scale):
    """quantc.quantize to f8E4M3FN: encode(x / scale) in float32 (broadcast)."""
    x = np.asarray(x, dtype=np.float32)
    return encode((x / np.asarray(scale, dtype=np.float32)).astype(np.float32))


def absmax_scale(x, axis):
    """quantc.compute_scale with qmax = 448: absmax / 448, 1 for all zeros."""
    m = np.max(np.abs(np.asarray(x, dtype=np.float32)), axis=axis, keepdims=True)
    return np.where(m == 0, np.float32(1), m / np.float32(E4M3_MAX)).astype(np.float32)


def matmul(xq, wq):
    """The FP8 GEMM Y[n, d] = sum_c X[n, c] W[d, c] of E4M3 bytes: the exact
    products (an E4M3 product has at most 8 significant bits) summed in
    float64, the reference a kernel's f32 sum (in its own order) is compared
    with."""
    return decode(xq).astype(np.float64) @ decode(wq).astype(np.float64).T


def gemm_tolerance(xq, wq):
    """A bound on |f32 sum - exact sum| for any order of the f32 additions:
    K * 2^-24 * sum_c |x_c w_c| (each partial sum rounds once, relative error
    at most 2^-24, and there are fewer than K of them)."""
    k = np.asarray(xq).shape[1]
    return k * 2.0 ** -24 * (np.abs(decode(xq).astype(np.float64))
                             @ np.abs(decode(wq).astype(np.float64)).T)
