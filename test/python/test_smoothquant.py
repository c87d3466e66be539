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
    # Zero weight column: max(|W|) floored at 1e-5; zero statistics: s floored.
    np.testing.assert_allclose(s, [np.sqrt(4.0 / 1e-5), 1e-5, np.sqrt(1.0 / 2.0)], rtol=1e-6)


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
