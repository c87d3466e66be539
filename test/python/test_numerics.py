"""quantc.absmax_scale / quantize / dequantize: hand-computed values, an
independent NumPy formulation, and the compiled quantc ops, bit for bit."""
import numpy as np
import pytest

import quantc


def test_round_half_to_even_and_saturation():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 126.5, 127.5,
                  1000.0, -1000.0, np.inf, -np.inf, np.nan], np.float32)
    q = quantc.quantize(x, 1.0)
    assert q.dtype == np.int8
    assert q.tolist() == [0, 2, 2, 0, -2, -2, 0, 126, 127, 127, -127, 127, -127, 0]


def test_quantize_range_and_zero_point():
    x = np.array([-200.0, -1.0, 0.0, 3.0], np.float32)
    assert quantc.quantize(x, 1.0, qmin=-128).tolist() == [-128, -1, 0, 3]
    zp = np.array([10], np.int8)
    assert quantc.quantize(x, 1.0, zero_point=zp).tolist() == [-127, 9, 10, 13]


def test_absmax_scale_granularities(rng):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    x[2] = 0
    per_tensor = quantc.absmax_scale(x)
    assert per_tensor.shape == (1, 1)
    assert per_tensor[0, 0] == np.float32(np.abs(x).max()) / np.float32(127)
    per_token = quantc.absmax_scale(x, axis=1)
    assert per_token.shape == (4, 1)
    assert per_token[2, 0] == 1.0  # an all-zero token gets scale 1
    expect = np.abs(x).max(axis=1) / np.float32(127)
    np.testing.assert_array_equal(np.delete(per_token[:, 0], 2), np.delete(expect, 2))
    assert quantc.absmax_scale(x, axis=-2).shape == (1, 6)


def test_quantize_matches_independent_formula(rng):
    x = (rng.standard_normal((32, 16)) * 10).astype(np.float32)
    s = quantc.absmax_scale(x, axis=1)
    q = quantc.quantize(x, s)
    # Independent: float64 division is exact enough here, then banker's rounding.
    r = np.clip(np.round(x.astype(np.float64) / s.astype(np.float32)), -127, 127)
    np.testing.assert_array_equal(q, r.astype(np.int8))
    d = quantc.dequantize(q, s)
    assert d.dtype == np.float32
    np.testing.assert_array_equal(d, q.astype(np.float32) * s)
    assert np.all(np.abs(d - x) <= s / 2 + 1e-6)


def test_block_scales():
    x = np.arange(8, dtype=np.float32).reshape(1, 8)
    s = np.array([[1.0, 2.0]], np.float32)  # blocks of 4 channels
    assert quantc.quantize(x, s).tolist() == [[0, 1, 2, 3, 2, 2, 3, 4]]


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_bad_scales_are_rejected(bad):
    with pytest.raises(ValueError, match="finite and positive"):
        quantc.quantize(np.ones(3, np.float32), bad)
    with pytest.raises(ValueError, match="finite and positive"):
        quantc.dequantize(np.ones(3, np.int8), np.array([1.0, bad, 1.0], np.float32))


def test_mis_shaped_scale_is_rejected():
    with pytest.raises(ValueError):
        quantc.quantize(np.ones((2, 6), np.float32), np.ones((1, 4), np.float32))
    with pytest.raises(TypeError):
        quantc.dequantize(np.ones(3, np.float32), 1.0)


QUANT_IR = """
func.func @per_token(%x: tensor<16x24xf32>) -> (tensor<16x1xf32>, tensor<16x24xi8>, tensor<16x24xf32>) {
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<16x24xf32> -> tensor<16x1xf32>
  %q = quantc.quantize %x, %s : tensor<16x24xf32>, tensor<16x1xf32> -> tensor<16x24xi8>
  %d = quantc.dequantize %q, %s : tensor<16x24xi8>, tensor<16x1xf32> -> tensor<16x24xf32>
  return %s, %q, %d : tensor<16x1xf32>, tensor<16x24xi8>, tensor<16x24xf32>
}
func.func @static(%x: tensor<16x24xf32>, %s: tensor<1x24xf32>) -> tensor<16x24xi8> {
  %q = quantc.quantize %x, %s : tensor<16x24xf32>, tensor<1x24xf32> -> tensor<16x24xi8>
  return %q : tensor<16x24xi8>
}
"""


def test_python_numerics_equal_the_compiled_ops(rng):
    mod = quantc.compile_cpu(QUANT_IR)
    x = (rng.standard_normal((16, 24)) * 4).astype(np.float32)
    x[3] = 0  # an all-zero token
    x[5, :8] = np.arange(8) - 3.5  # exact ties with the per-channel scale below
    s, q, d = mod.per_token(x)
    np.testing.assert_array_equal(s, quantc.absmax_scale(x, axis=1))
    np.testing.assert_array_equal(q, quantc.quantize(x, s))
    np.testing.assert_array_equal(d, quantc.dequantize(q, s))
    # Static per-channel scales with ties (x / s = k + 0.5) and saturation.
    sc = np.full((1, 24), 1.0, np.float32)
    sc[0, 8:] = 0.01
    np.testing.assert_array_equal(mod.static(x, sc), quantc.quantize(x, sc))
