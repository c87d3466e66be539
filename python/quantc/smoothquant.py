"""SmoothQuant factors (DESIGN.md section 1) and a search for alpha.

`X·Wᵀ = (X·diag(s)⁻¹)·(W·diag(s))ᵀ` with, per input channel c,

    s_c = max(absmax_c^alpha / max(max_d |W_dc|, 1e-5)^(1 - alpha), 1e-5)

computed in float64 and rounded to float32, as --quantc-smoothquant does.
"""
import numpy as np

from . import reference

__all__ = ["smoothquant_scales", "smooth_weight", "search_alpha", "w8a8_linear"]


def _weight(weight):
    w = np.asarray(weight, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"weight must be [D, C], got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weight contains NaN or infinity")
    return w


def smoothquant_scales(act_absmax, weight, alpha=0.5):
    """Per-channel smoothing factors `s` ([C], float32) for activation
    statistics `act_absmax` ([C], max |X_c| over calibration data) and a
    weight `[D, C]`. `alpha` in [0, 1] is the share of the range moved into
    the weights."""
    a = np.asarray(act_absmax, dtype=np.float64)
    w = _weight(weight)
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if a.ndim != 1 or a.shape[0] != w.shape[1]:
        raise ValueError(f"act_absmax must have shape [{w.shape[1]}] (one value "
                         f"per input channel of the [D, C] weight), got {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("act_absmax must be finite and non-negative")
    wmax = np.maximum(np.max(np.abs(w), axis=0).astype(np.float64), 1e-5)
    s = np.power(a, alpha) / np.power(wmax, 1.0 - alpha)
    return np.maximum(s, 1e-5).astype(np.float32)


def smooth_weight(weight, s):
    """`W·diag(s)` in float32: the weight that consumes `X·diag(s)⁻¹`."""
    return (_weight(weight) * np.asarray(s, np.float32)[None, :]).astype(np.float32)


def w8a8_linear(x, weight, s=None):
    """`X·Wᵀ` as the compiler runs it in W8A8 (no bias): optional smoothing
    `X / s`, per-token dynamic activation scales, per-output-channel weight
    scales, int32 accumulation and the rescale epilogue. float32 [N, D]."""
    x = np.asarray(x, dtype=np.float32)
    w = _weight(weight)
    if s is not None:
        s = np.asarray(s, np.float32)
        x = (x / s[None, :]).astype(np.float32)
        w = smooth_weight(w, s)
    xs = reference.absmax_scale(x, axis=(1,))
    ws = reference.absmax_scale(w, axis=(1,))
    acc = reference.int_matmul(reference.quantize(x, xs), reference.quantize(w, ws))
    return reference.rescale(acc, xs, ws.reshape(1, -1))


def search_alpha(samples, weight, alphas=None, return_errors=False):
    """The alpha (from a grid, default 0, 0.05, ..., 1) whose smoothing
    minimises the mean squared error of the layer output `X·Wᵀ` under W8A8
    per-token quantization on the calibration `samples` ([N, C] array or a
    list of such batches). With `return_errors`, also returns
    `{alpha: mse}`."""
    if isinstance(samples, (list, tuple)):
        samples = np.concatenate([np.asarray(b, np.float32).reshape(-1, np.shape(b)[-1])
                                  for b in samples])
    x = np.asarray(samples, dtype=np.float32)
    x = x.reshape(-1, x.shape[-1])
    w = _weight(weight)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"samples have {x.shape[1]} channels, weight expects {w.shape[1]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or infinity")
    alphas = np.round(np.linspace(0.0, 1.0, 21), 2) if alphas is None else alphas
    absmax = np.max(np.abs(x), axis=0)
    exact = x.astype(np.float64) @ w.astype(np.float64).T
    errors = {}
    for a in alphas:
        s = smoothquant_scales(absmax, w, a)
        y = w8a8_linear(x, w, s)
        errors[float(a)] = float(np.mean((y - exact) ** 2))
    best = min(errors, key=errors.get)
    return (best, errors) if return_errors else best
