"""Quantization arithmetic with exactly the compiler's rounding and saturation.

The arithmetic itself is quantc.reference (the independent NumPy reference the
compiler is tested against, bit for bit); this module adds the input checks a
user-facing API needs: a scale must be finite and positive, as the compiler's
verifier demands of constant scales.
"""
import numpy as np

from . import reference

__all__ = ["absmax_scale", "quantize", "dequantize"]

_INT64 = np.iinfo(np.int64)


def _real(x, what, dtype=np.float32):
    """`x` as `dtype` (float32 unless told); complex values are refused (the
    conversion would drop their imaginary part)."""
    a = np.asarray(x)
    if np.iscomplexobj(a):
        raise TypeError(f"{what} must be real numbers, got {a.dtype}")
    return a.astype(dtype)


def _fit_int64(a, what):
    """The integer array `a` as int64, which the compiled ops compute in;
    an unsigned value beyond int64 is refused rather than wrapped."""
    if a.dtype.kind == "u" and a.size and a.max() > np.uint64(_INT64.max):
        raise ValueError(f"dequantize: {what} must fit int64, got {a.max()}")
    return a.astype(np.int64)


def _check_scale(scale):
    s = _real(scale, "scale")
    if s.size == 0:
        raise ValueError("scale is empty")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        bad = s[~(np.isfinite(s) & (s > 0))].ravel()[0]
        raise ValueError(f"scale must be finite and positive, got {bad}")
    return s


def _broadcast_rank(scale, ndim):
    """A scalar or lower-rank scale is read NumPy-style (aligned to the
    trailing dimensions) and given the data's rank, the compiler's form."""
    s = np.asarray(scale, dtype=np.float32)
    if s.ndim > ndim:
        raise ValueError(f"scale rank {s.ndim} exceeds data rank {ndim}")
    return s.reshape((1,) * (ndim - s.ndim) + s.shape)


def absmax_scale(x, axis=None, qmax=127):
    """`max|x| / qmax` reduced over `axis` (int, tuple, or None for all),
    kept with size 1 (`quantc.compute_scale`, whose qmax is a positive
    integer). All-zero slices give 1, a quotient that underflows to 0
    float32's smallest positive value."""
    x = _real(x, "absmax_scale: x")
    if not np.all(np.isfinite(x)):
        raise ValueError("absmax_scale: x contains NaN or infinity")
    if isinstance(qmax, bool) or not isinstance(qmax, (int, np.integer)):
        raise TypeError(f"absmax_scale: qmax must be an integer, got {qmax!r}")
    if not 1 <= qmax <= _INT64.max:
        raise ValueError(f"absmax_scale: qmax must be a positive integer (at most "
                         f"2^63 - 1, the compiler's i64), got {qmax}")
    if axis is not None:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        for a in axes:
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
                raise TypeError(f"absmax_scale: axis must be integers, got {a!r}")
            if not -x.ndim <= a < x.ndim:
                raise ValueError(f"absmax_scale: axis {a} is out of range for an "
                                 f"array of rank {x.ndim}")
        axis = tuple(int(a) % x.ndim for a in axes)
        if len(set(axis)) != len(axis):
            raise ValueError(f"absmax_scale: axis {axes} names a dimension twice")
    # A quotient that underflows gets float32's smallest positive value, as
    # the compiled op does.
    return reference.absmax_scale(x, axis=axis, qmax=qmax)


def quantize(x, scale, zero_point=None, qmin=-127, qmax=127):
    """`clamp(round_half_even(x / scale) + zero_point, qmin, qmax)` as int8
    (`quantc.quantize`); NaN becomes the zero point. The scale broadcasts:
    per-tensor, per-token `[N, 1]`, per-channel `[1, C]` or per-block."""
    for name, v in (("qmin", qmin), ("qmax", qmax)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"quantize: {name} must be an integer, got {v!r}")
    if not -128 <= qmin < qmax <= 127:
        raise ValueError(f"quantize: the clamp range [{qmin}, {qmax}] must satisfy "
                         "-128 <= qmin < qmax <= 127 (the result is int8)")
    if zero_point is not None:
        zp = np.asarray(zero_point)
        if not np.issubdtype(zp.dtype, np.integer) or np.any(zp < qmin) or np.any(zp > qmax):
            raise ValueError(f"quantize: zero_point must be integers in [{qmin}, {qmax}]")
    x = _real(x, "quantize: x")
    s = _broadcast_rank(_check_scale(scale), x.ndim)
    return reference.quantize(x, s, zero_point=zero_point, qmin=qmin, qmax=qmax)


def dequantize(q, scale, zero_point=None):
    """`(q - zero_point) * scale` in float32 (`quantc.dequantize`: the
    difference exact in int64, then rounded to float32)."""
    q = np.asarray(q)
    if not np.issubdtype(q.dtype, np.integer):
        raise TypeError(f"dequantize expects integers, got {q.dtype}")
    q = _fit_int64(q, "q")
    if zero_point is not None:
        zp = np.asarray(zero_point)
        if not np.issubdtype(zp.dtype, np.integer):
            raise TypeError(f"dequantize: zero_point must be integers, got {zp.dtype}")
        zero_point = _fit_int64(zp, "zero_point")
    s = _broadcast_rank(_check_scale(scale), q.ndim)
    return reference.dequantize(q, s, zero_point=zero_point)
