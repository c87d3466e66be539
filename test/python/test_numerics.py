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


@pytest.mark.parametrize("qmax, error", [(0, ValueError), (-1, ValueError),
                                         (10**40, ValueError), (1e40, TypeError),
                                         (127.0, TypeError), (True, TypeError)])
def test_absmax_scale_refuses_bad_qmax(qmax, error):
    # Were inf, -7 and 0 scales: compute_scale's qmax is a positive i64.
    with pytest.raises(error, match="qmax must be"):
        quantc.absmax_scale(np.arange(8, dtype=np.float32), qmax=qmax)


def test_absmax_scale_refuses_bad_axes():
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    for axis in [5, -3, (0, 2)]:  # axis 5 was read as 5 % 2 = 1
        with pytest.raises(ValueError, match="out of range for an array of rank 2"):
            quantc.absmax_scale(x, axis=axis)
    with pytest.raises(ValueError, match="names a dimension twice"):
        quantc.absmax_scale(x, axis=(1, -1))
    with pytest.raises(TypeError, match="axis must be integers"):
        quantc.absmax_scale(x, axis=1.0)
    with pytest.raises(ValueError, match="out of range for an array of rank 0"):
        quantc.absmax_scale(np.float32(3), axis=0)
    assert quantc.absmax_scale(x, axis=np.int64(-1)).shape == (2, 1)


def test_absmax_scale_never_returns_a_zero_scale():
    # 1e-45 / 127 underflows to 0 in float32, a scale quantize refuses: it is
    # float32's smallest positive value instead, as quantc.compute_scale
    # gives (compute-scale-underflow.py checks the compiled op).
    tiny = np.finfo(np.float32).smallest_subnormal
    s = quantc.absmax_scale(np.array([[1e-45, 0.0], [0.0, 0.0], [3.0, -1.0]], np.float32), axis=1)
    np.testing.assert_array_equal(s, np.array([[tiny], [1.0], [np.float32(3.0) / np.float32(127)]], np.float32))
    np.testing.assert_array_equal(quantc.quantize(np.array([1e-45], np.float32), s[0]), [1])


def test_complex_inputs_are_refused():
    # The float32 conversion dropped the imaginary part: 1+5j quantized as 1.
    with pytest.raises(TypeError, match="quantize: x must be real numbers, got complex128"):
        quantc.quantize(np.array([1 + 5j]), 1.0)
    with pytest.raises(TypeError, match="absmax_scale: x must be real numbers"):
        quantc.absmax_scale(np.array([1 + 5j]))
    with pytest.raises(TypeError, match="scale must be real numbers"):
        quantc.dequantize(np.array([1], np.int8), np.array([1 + 1j]))


def test_dequantize_wide_integers_and_zero_points():
    # Were wrapped to int32: 2^40 -> 0, 1 - 10^12 -> 7.27e8.
    assert quantc.dequantize(np.array([2**40]), 1.0).tolist() == [2.0**40]
    d = quantc.dequantize(np.array([1], np.int8), 1.0, zero_point=np.array([10**12]))
    assert d.tolist() == [np.float32(1 - 10**12)]
    # A float zero point was truncated (0.5 -> 0).
    with pytest.raises(TypeError, match="zero_point must be integers, got float64"):
        quantc.dequantize(np.array([1], np.int8), 1.0, zero_point=np.array([0.5]))
    with pytest.raises(ValueError, match="q must fit int64"):
        quantc.dequantize(np.array([2**64 - 1], np.uint64), 1.0)
    with pytest.raises(ValueError, match="zero_point must fit int64"):
        quantc.dequantize(np.array([1], np.int8), 1.0, zero_point=np.array([2**63], np.uint64))


DEQUANT_I32_IR = """
func.func @dq(%q: tensor<3xi32>, %s: tensor<1xf32>, %z: tensor<1xi32>) -> tensor<3xf32> {
  %d = quantc.dequantize %q, %s zero_point %z : tensor<3xi32>, tensor<1xf32>, tensor<1xi32> -> tensor<3xf32>
  return %d : tensor<3xf32>
}
"""


def test_dequantize_i32_zero_point_equals_the_compiled_op():
    # q - zp leaves int32: the compiled op subtracts in i64, as does
    # quantc.dequantize (it wrapped in int32 before).
    mod = quantc.compile_cpu(DEQUANT_I32_IR)
    q = np.array([2**31 - 1, -2**31, 7], np.int32)
    s = np.array([0.5], np.float32)
    for z in (-5, 5):
        zp = np.array([z], np.int32)
        want = mod.dq(q, s, zp)
        np.testing.assert_array_equal(quantc.dequantize(q, s, zero_point=zp), want)
        np.testing.assert_array_equal(want, (q.astype(np.float64) - z).astype(np.float32) * s)
