"""SmoothQuant factors (DESIGN.md section 1) and a search for alpha.

`X·Wᵀ = (X·diag(s)⁻¹)·(W·diag(s))ᵀ` with, per input channel c,

    s_c = max(absmax_c^alpha / max(max_d |W_dc|, 1e-5)^(1 - alpha), 1e-5)

computed in float64 and rounded to float32, as --quantc-smoothquant does.
"""
import numpy as np

from . import reference
from .numerics import _real

__all__ = ["smoothquant_scales", "smooth_weight", "search_alpha", "w8a8_linear"]


def _weight(weight, fn):
    """`weight` as a finite float32 [D, C]; errors name the function `fn`."""
    w = _real(weight, f"{fn}: weight")
    if w.ndim != 2:
        raise ValueError(f"{fn}: weight must be [D, C], got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{fn}: weight contains NaN or infinity")
    return w


def _factors(s, channels, fn):
    """The smoothing factors `s` as float32 [C], each finite and positive
    (a zero factor zeroes its weight column and divides the activations by
    zero); errors name the function `fn`."""
    with np.errstate(over="ignore"):  # a factor beyond float32 is reported below
        s = _real(s, f"{fn}: s")
    if s.shape != (channels,):
        raise ValueError(f"{fn}: s must have shape [{channels}] (one factor per input "
                         f"channel of the [D, C] weight), got {s.shape}")
    ok = np.isfinite(s) & (s > 0)
    if not np.all(ok):
        raise ValueError(f"{fn}: s must be finite and positive (as float32), "
                         f"got {s[~ok][0]} at channel {np.flatnonzero(~ok)[0]}")
    return s


def smoothquant_scales(act_absmax, weight, alpha=0.5):
    """Per-channel smoothing factors `s` ([C], float32) for activation
    statistics `act_absmax` ([C], max |X_c| over calibration data) and a
    weight `[D, C]`. `alpha` in [0, 1] is the share of the range moved into
    the weights. A channel whose statistic is 0 gets factor 1."""
    fn = "smoothquant_scales"
    a = _real(act_absmax, f"{fn}: act_absmax", np.float64)
    w = _weight(weight, fn)
    _check_alpha(alpha, fn)
    if a.ndim != 1 or a.shape[0] != w.shape[1]:
        raise ValueError(f"{fn}: act_absmax must have shape [{w.shape[1]}] (one value "
                         f"per input channel of the [D, C] weight), got {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{fn}: act_absmax must be finite and non-negative")
    wmax = np.maximum(np.max(np.abs(w), axis=0).astype(np.float64), 1e-5)
    s = np.power(a, alpha) / np.power(wmax, 1.0 - alpha)
    with np.errstate(over="ignore"):  # reported below
        s = np.maximum(s, 1e-5).astype(np.float32)
    # A channel never seen nonzero keeps factor 1 (floored at 1e-5, a run-time
    # value would be multiplied by 1e5), as --quantc-smoothquant does.
    s = np.where(a == 0, np.float32(1), s).astype(np.float32)
    if not np.all(np.isfinite(s)):
        c = np.flatnonzero(~np.isfinite(s))[0]
        raise ValueError(f"{fn}: act_absmax {a[c]:g} (channel {c}) with alpha {alpha} "
                         "gives a factor beyond float32's range")
    return s


def _check_alpha(alpha, fn):
    if np.ndim(alpha) != 0 or np.asarray(alpha).dtype.kind not in "iuf":
        raise TypeError(f"{fn}: alpha must be a real number, got {alpha!r}")
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"{fn}: alpha must be in [0, 1], got {alpha}")


def smooth_weight(weight, s):
    """`W·diag(s)` in float32: the weight that consumes `X·diag(s)⁻¹`. `s`
    ([C]) must be finite and positive."""
    w = _weight(weight, "smooth_weight")
    return (w * _factors(s, w.shape[1], "smooth_weight")[None, :]).astype(np.float32)


def w8a8_linear(x, weight, s=None):
    """`X·Wᵀ` as the compiler runs it in W8A8 (no bias): optional smoothing
    `X / s`, per-token dynamic activation scales, per-output-channel weight
    scales, int32 accumulation and the rescale epilogue. float32 [N, D]."""
    x = _real(x, "w8a8_linear: x")
    w = _weight(weight, "w8a8_linear")
    if s is not None:
        s = _factors(s, w.shape[1], "w8a8_linear")
        with np.errstate(over="ignore"):  # reported below
            smoothed = (x / s[None, :]).astype(np.float32)
        over = ~np.isfinite(smoothed) & np.isfinite(x)
        if np.any(over):
            c = np.flatnonzero(over.any(axis=0))[0]
            raise ValueError(f"w8a8_linear: x / s overflows float32 at channel {c} "
                             f"(s = {s[c]:g} is too small for x)")
        x = smoothed
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
    fn = "search_alpha"
    w = _weight(weight, fn)
    if isinstance(samples, (list, tuple)):
        if not samples:
            raise ValueError(f"{fn}: samples is an empty list (need at least one batch)")
        samples = np.concatenate([_samples(b, w.shape[1], fn) for b in samples])
    x = _samples(samples, w.shape[1], fn)
    if x.shape[0] == 0:
        raise ValueError(f"{fn}: samples have no rows (need at least one "
                         f"{w.shape[1]}-channel sample)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{fn}: samples contain NaN or infinity")
    if alphas is None:
        alphas = np.round(np.linspace(0.0, 1.0, 21), 2)
    else:
        try:
            alphas = list(alphas)
        except TypeError:
            raise TypeError(f"{fn}: alphas must be a sequence of numbers, "
                            f"got {alphas!r}") from None
        if not alphas:
            raise ValueError(f"{fn}: alphas is empty (need at least one alpha to try)")
        for a in alphas:
            _check_alpha(a, fn)
    absmax = np.max(np.abs(x), axis=0)
    exact = x.astype(np.float64) @ w.astype(np.float64).T
    errors = {}
    for a in alphas:
        s = smoothquant_scales(absmax, w, a)
        y = w8a8_linear(x, w, s)
        errors[float(a)] = float(np.mean((y - exact) ** 2))
    best = min(errors, key=errors.get)
    return (best, errors) if return_errors else best


def _samples(b, channels, fn):
    """A batch of calibration samples `[..., C]` as float32 rows [N, C]."""
    x = _real(b, f"{fn}: samples")
    if x.ndim == 0 or x.shape[-1] != channels:
        raise ValueError(f"{fn}: samples must be [..., {channels}] (one value per input "
                         f"channel of the [D, C] weight), got shape {x.shape}")
    return x.reshape(int(np.prod(x.shape[:-1])), channels)
