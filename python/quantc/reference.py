"""Independent NumPy reference of quantc's arithmetic (DESIGN.md section 1).

Pure NumPy, no compiled code: tests compare the compiler's output against it,
bit-exact wherever integer arithmetic makes that possible. Float math is done
in float32, in the same operation order as the compiled code, so that float
results match to the last bit where the compiler's order is the same.
"""
import numpy as np

__all__ = [
    "absmax_scale",
    "quantize",
    "dequantize",
    "int_matmul",
    "rescale",
    "gelu",
    "gelu_tanh",
    "silu",
    "broadcast_scale",
]


def broadcast_scale(scale, shape):
    """Expands a broadcast-shaped scale (each dim 1, equal, or a block
    divisor) to `shape`."""
    scale = np.asarray(scale)
    if scale.ndim != len(shape):
        raise ValueError(f"scale rank {scale.ndim} != data rank {len(shape)}")
    out = scale
    for axis, (s, d) in enumerate(zip(scale.shape, shape)):
        if s == d or s == 1:
            continue
        if d % s:
            raise ValueError(f"scale dim {axis} of size {s} does not divide {d}")
        out = np.repeat(out, d // s, axis=axis)
    return np.broadcast_to(out, shape)


def absmax_scale(x, axis=None, qmax=127):
    """max|x| / qmax over `axis` (kept as size 1); all-zero slices give 1, a
    quotient that underflows to 0 float32's smallest positive value (as
    quantc.compute_scale)."""
    x = np.asarray(x, dtype=np.float32)
    if axis is None:
        axis = tuple(range(x.ndim))
    m = np.max(np.abs(x), axis=axis, keepdims=True).astype(np.float32)
    s = (m / np.float32(qmax)).astype(np.float32)
    s = np.where(s == 0, np.finfo(np.float32).smallest_subnormal, s)
    return np.where(m == 0, np.float32(1.0), s).astype(np.float32)


def quantize(x, scale, zero_point=None, qmin=-127, qmax=127, dtype=np.int8):
    """clamp(round_half_even(x / scale) + zp, qmin, qmax); NaN -> zp."""
    x = np.asarray(x, dtype=np.float32)
    s = broadcast_scale(np.asarray(scale, dtype=np.float32), x.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.rint(x / s).astype(np.float32)  # np.rint rounds half to even
    zp = np.float32(0) if zero_point is None else broadcast_scale(
        np.asarray(zero_point).astype(np.float32), x.shape)
    r = r + zp
    r = np.where(np.isnan(r), zp, r)
    return np.clip(r, qmin, qmax).astype(dtype)


def dequantize(q, scale, zero_point=None):
    """(q - zp) * scale; q - zp in int64, as the compiled op subtracts."""
    q = np.asarray(q).astype(np.int64)
    if zero_point is not None:
        q = q - broadcast_scale(np.asarray(zero_point).astype(np.int64), q.shape)
    s = broadcast_scale(np.asarray(scale, dtype=np.float32), q.shape)
    return (q.astype(np.float32) * s).astype(np.float32)


def int_matmul(xq, wq, x_zero_point=None, w_zero_point=None):
    """[..., N, C] int8 x [..., D, C] int8 -> [..., N, D] int32 (exact):
    sum_c (x - zx) (w - zw), each zero point broadcast against its operand
    (per tensor, or [..., N, 1] / [..., D, 1]); u8 operands are taken as
    their values [0, 255]."""
    x = np.asarray(xq).astype(np.int64)
    w = np.asarray(wq).astype(np.int64)
    if x_zero_point is not None:
        x = x - np.asarray(x_zero_point).astype(np.int64)
    if w_zero_point is not None:
        w = w - np.asarray(w_zero_point).astype(np.int64)
    acc = np.matmul(x, np.swapaxes(w, -1, -2))
    if np.any(acc > np.iinfo(np.int32).max) or np.any(acc < np.iinfo(np.int32).min):
        raise OverflowError("int32 accumulator overflow")
    return acc.astype(np.int32)


def gelu(x):
    import math
    x = np.asarray(x, dtype=np.float32)
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return (0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))).astype(np.float32)


def gelu_tanh(x):
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    c = np.sqrt(2.0 / np.pi)
    return (0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x ** 3)))).astype(np.float32)


def silu(x):
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    return (x / (1.0 + np.exp(-x))).astype(np.float32)


def rescale(acc, x_scale, w_scale, bias=None, activation="none",
            output_scale=None, qmin=-127, qmax=127, residual=None):
    """GEMM epilogue: ((f32(acc) * xs) * ws) + bias, activation, + residual,
    requantize."""
    # (An int64 accumulator, a split reduction's sum, converts from int64:
    # narrowing it to int32 first would wrap it.)
    acc = np.asarray(acc)
    if acc.dtype not in (np.int64, np.uint64):
        acc = acc.astype(np.int32)
    shape = acc.shape
    f = acc.astype(np.float32)
    f = (f * broadcast_scale(np.asarray(x_scale, np.float32), shape)).astype(np.float32)
    f = (f * broadcast_scale(np.asarray(w_scale, np.float32), shape)).astype(np.float32)
    if bias is not None:
        f = (f + broadcast_scale(np.asarray(bias, np.float32), shape)).astype(np.float32)
    if activation == "relu":
        f = np.maximum(f, np.float32(0))
    elif activation == "gelu":
        f = gelu(f)
    elif activation == "gelu_tanh":
        f = gelu_tanh(f)
    elif activation == "silu":
        f = silu(f)
    elif activation != "none":
        raise ValueError(activation)
    if residual is not None:
        f = (f + np.asarray(residual, np.float32)).astype(np.float32)
    if output_scale is None:
        return f
    return quantize(f, output_scale, qmin=qmin, qmax=qmax)
