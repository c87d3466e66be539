"""Quantization arithmetic with exactly the compiler's rounding and saturation.

The arithmetic itself is quantc.reference (the independent NumPy reference the
compiler is tested against, bit for bit); this module adds the input checks a
user-facing API needs: a scale must be finite and positive, as the compiler's
verifier demands of constant scales.
"""
import numpy as np

from . import reference

__all__ = ["absmax_scale", "quantize", "dequantize"]


def _check_scale(scale):
    s = np.asarray(scale, dtype=np.float32)
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
    kept with size 1 (`quantc.compute_scale`). All-zero slices give 1."""
    x = np.asarray(x, dtype=np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError("absmax_scale: x contains NaN or infinity")
    if axis is not None:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axis = tuple(a % x.ndim for a in axes)
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
    x = np.asarray(x, dtype=np.float32)
    s = _broadcast_rank(_check_scale(scale), x.ndim)
    return reference.quantize(x, s, zero_point=zero_point, qmin=qmin, qmax=qmax)


def dequantize(q, scale, zero_point=None):
    """`(q - zero_point) * scale` in float32 (`quantc.dequantize`)."""
    q = np.asarray(q)
    if not np.issubdtype(q.dtype, np.integer):
        raise TypeError(f"dequantize expects integers, got {q.dtype}")
    s = _broadcast_rank(_check_scale(scale), q.ndim)
    return reference.dequantize(q, s, zero_point=zero_point)
