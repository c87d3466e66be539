"""SmoothQuant factors and the alpha search, against independent NumPy."""
import numpy as np
import pytest

import quantc


def _outlier_layer(rng, n=64, c=32, d=24):
    x = rng.standard_normal((n, c)).astype(np.float32)
    x[:, [3, 17]] *= 40.0  # outlier channels
    w = (rng.standard_normal((d, c)) * 0.2).astype(np.float32)
    return x, w


def test_formula(rng):
    x, w = _outlier_layer(rng)
    a = np.abs(x).max(axis=0)
    for alpha in (0.0, 0.3, 0.5, 0.85, 1.0):
        s = quantc.smoothquant_scales(a, w, alpha)
        assert s.dtype == np.float32 and s.shape == (32,)
        expect = np.maximum(a.astype(np.float64) ** alpha /
                            np.abs(w).max(axis=0).astype(np.float64) ** (1 - alpha), 1e-5)
        np.testing.assert_allclose(s, expect, rtol=1e-6)
    # alpha = 0.5 balances the ranges: max|X_c / s_c| == max|W_c * s_c|.
    s = quantc.smoothquant_scales(a, w, 0.5)
    np.testing.assert_allclose(a / s, np.abs(quantc.smooth_weight(w, s)).max(axis=0), rtol=1e-5)
    # The product is unchanged by smoothing (up to float rounding).
    np.testing.assert_allclose((x / s) @ quantc.smooth_weight(w, s).T, x @ w.T, rtol=1e-4, atol=1e-3)


def test_floors():
    w = np.array([[0.0, 1.0, 2.0]], np.float32)
    s = quantc.smoothquant_scales(np.array([4.0, 0.0, 1.0], np.float32), w, 0.5)
    # Zero weight column: max(|W|) floored at 1e-5; zero statistics (a channel
    # calibration never saw nonzero): factor 1, nothing migrated (floored at
    # 1e-5, a run-time value in it was multiplied by 1e5).
    np.testing.assert_allclose(s, [np.sqrt(4.0 / 1e-5), 1.0, np.sqrt(1.0 / 2.0)], rtol=1e-6)
    # Tiny but nonzero statistics are still floored.
    s = quantc.smoothquant_scales(np.array([1e-30, 1.0, 1.0], np.float32), np.ones((1, 3), np.float32), 0.5)
    np.testing.assert_allclose(s, [1e-5, 1.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    (dict(alpha=1.5), "alpha"),
    (dict(act_absmax=np.ones(4, np.float32)), "shape"),
    (dict(act_absmax=-np.ones(3, np.float32)), "non-negative"),
    (dict(act_absmax=np.array([1, np.nan, 1], np.float32)), "finite"),
    (dict(weight=np.ones(3, np.float32)), "weight"),
])
def test_bad_inputs(kwargs, match):
    args = dict(act_absmax=np.ones(3, np.float32), weight=np.ones((2, 3), np.float32), alpha=0.5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        quantc.smoothquant_scales(**args)


def _fake_quant_error(x, w, s):
    """Independent W8A8 simulation: fake-quantize in float64."""
    xs = x / s
    ws = w * s
    sx = np.abs(xs).max(axis=1, keepdims=True) / 127
    sw = np.abs(ws).max(axis=1, keepdims=True) / 127
    xq = np.clip(np.round(xs / sx), -127, 127) * sx
    wq = np.clip(np.round(ws / sw), -127, 127) * sw
    return np.mean((xq @ wq.T - x.astype(np.float64) @ w.T) ** 2)


def test_search_alpha(rng):
    x, w = _outlier_layer(rng)
    best, errors = quantc.search_alpha([x[:32], x[32:]], w, return_errors=True)
    assert best == min(errors, key=errors.get)
    assert set(errors) == {round(a, 2) for a in np.linspace(0, 1, 21)}
    # Outlier channels: smoothing must beat no smoothing by a wide margin.
    s1 = np.ones(x.shape[1], np.float32)
    assert errors[best] < 0.5 * _fake_quant_error(x, w, s1)
    # The search's error at each alpha agrees with the independent simulation.
    for alpha in (0.0, 0.5, best):
        s = quantc.smoothquant_scales(np.abs(x).max(axis=0), w, alpha)
        np.testing.assert_allclose(errors[alpha], _fake_quant_error(x, w, s), rtol=1e-2)
    assert quantc.search_alpha(x, w, alphas=[0.25]) == 0.25


def test_overflowing_factors():
    # A float64 statistic beyond float32's range would give inf factors.
    w = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"smoothquant_scales: act_absmax 1e\+300 \(channel 1\)"):
        quantc.smoothquant_scales(np.array([1.0, 1e300, 1.0]), w, 0.5)
    # The largest float32 statistic still gives finite factors, at every alpha.
    big = np.array([np.finfo(np.float32).max, 1.0, 0.0], np.float32)
    for alpha in (0.0, 0.5, 1.0):
        assert np.all(np.isfinite(quantc.smoothquant_scales(big, w, alpha)))


@pytest.mark.parametrize("alpha,err", [(True, TypeError), ("0.5", TypeError),
                                       ([0.5], TypeError), (np.nan, ValueError)])
def test_bad_alpha(alpha, err):
    with pytest.raises(err, match="smoothquant_scales: alpha"):
        quantc.smoothquant_scales(np.ones(3), np.ones((2, 3), np.float32), alpha)


def test_complex_statistics():
    with pytest.raises(TypeError, match="smoothquant_scales: act_absmax must be real"):
        quantc.smoothquant_scales(np.array([1, 1j, 1]), np.ones((2, 3), np.float32))


_NOT_POSITIVE = r"s must be finite and positive \(as float32\), got "


@pytest.mark.parametrize("s,match", [
    (np.zeros(3), _NOT_POSITIVE + "0.0 at channel 0"),
    ([1.0, -2.0, 1.0], _NOT_POSITIVE + "-2.0 at channel 1"),
    ([1.0, 1.0, np.nan], _NOT_POSITIVE + "nan at channel 2"),
    ([1.0, np.inf, 1.0], _NOT_POSITIVE + "inf at channel 1"),
    ([1.0, 1e300, 1.0], _NOT_POSITIVE + "inf at channel 1"),  # overflows float32
    (np.ones(2), r"s must have shape \[3\]"),
    (np.ones((1, 3)), r"s must have shape \[3\]"),
])
@pytest.mark.parametrize("fn", ["smooth_weight", "w8a8_linear"])
def test_bad_factors(fn, s, match):
    # A zero factor used to give an all-zero weight (smooth_weight) or NaN
    # outputs (w8a8_linear, which divides the activations by it).
    with pytest.raises(ValueError, match=f"{fn}: {match}"):
        _smooth(fn, s)


@pytest.mark.parametrize("fn", ["smooth_weight", "w8a8_linear"])
def test_complex_factors(fn):
    with pytest.raises(TypeError, match=f"{fn}: s must be real numbers"):
        _smooth(fn, np.ones(3) * 1j)


def _smooth(fn, s):
    w = np.ones((2, 3), np.float32)
    if fn == "smooth_weight":
        return quantc.smooth_weight(w, s)
    return quantc.w8a8_linear(np.ones((4, 3), np.float32), w, s=s)


def test_smoothed_activation_overflow():
    # A tiny (subnormal) factor makes X / s overflow: refused rather than NaN.
    x = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match="w8a8_linear: x / s overflows float32 at channel 0"):
        quantc.w8a8_linear(x, np.ones((2, 3), np.float32), s=np.full(3, 1e-40, np.float32))


def test_factors_unchanged(rng):
    # Valid factors give the same results as the plain arithmetic.
    x, w = _outlier_layer(rng)
    s = quantc.smoothquant_scales(np.abs(x).max(axis=0), w, 0.5)
    np.testing.assert_array_equal(quantc.smooth_weight(w, s), w * s[None, :])
    np.testing.assert_array_equal(quantc.w8a8_linear(x, w, s),
                                  quantc.w8a8_linear(x / s, w * s))


@pytest.mark.parametrize("samples,match", [
    (np.zeros((0, 3), np.float32), "samples have no rows"),
    ([np.zeros((0, 3), np.float32)], "samples have no rows"),
    ([], "samples is an empty list"),
    (np.float32(1.0), r"samples must be \[\.\.\., 3\].*got shape \(\)"),
    ([np.ones((2, 3)), np.ones((2, 4))], r"samples must be \[\.\.\., 3\].*got shape \(2, 4\)"),
])
def test_search_alpha_bad_samples(samples, match):
    with pytest.raises(ValueError, match=f"search_alpha: {match}"):
        quantc.search_alpha(samples, np.ones((2, 3), np.float32))


@pytest.mark.parametrize("alphas,err,match", [
    ([], ValueError, "alphas is empty"),
    (np.array([]), ValueError, "alphas is empty"),
    (0.5, TypeError, "alphas must be a sequence"),
    ([0.5, 2.0], ValueError, r"alpha must be in \[0, 1\], got 2.0"),
    ([0.5, None], TypeError, "alpha must be a real number"),
])
def test_search_alpha_bad_alphas(alphas, err, match):
    with pytest.raises(err, match=f"search_alpha: {match}"):
        quantc.search_alpha(np.ones((4, 3), np.float32), np.ones((2, 3), np.float32), alphas)


def test_search_alpha_alphas_iterable(rng):
    # Any iterable of alphas works, with the same errors as a list.
    x, w = _outlier_layer(rng)
    grid = [0.0, 0.4, 0.8]
    want = quantc.search_alpha(x, w, alphas=grid, return_errors=True)
    assert quantc.search_alpha(x, w, alphas=iter(grid), return_errors=True) == want
    assert quantc.search_alpha(x, w, alphas=np.array(grid), return_errors=True) == want
