"""--quantc-quantize on weights bound as blobs (f32, f16, bf16): the int8
weight and its per-channel scales are bit-identical to the independent NumPy
reference (quantc.reference: absmax / 127, 1 for an all-zero channel, round
half to even, clamp to [-127, 127]); scales above 256 channels are blobs, not
text; a NaN or infinite weight is refused with a clear error."""
import numpy as np
import pytest

import quantc
from quantc import reference as ref


def _ir(c, d, dt):
    return f"""
func.func @forward(%x: tensor<3x{c}x{dt}>) -> tensor<3x{d}x{dt}> {{
  %w = arith.constant dense_resource<w> : tensor<{c}x{d}x{dt}>
  %z = arith.constant 0.0 : {dt}
  %e = tensor.empty() : tensor<3x{d}x{dt}>
  %f = linalg.fill ins(%z : {dt}) outs(%e : tensor<3x{d}x{dt}>) -> tensor<3x{d}x{dt}>
  %r = linalg.matmul ins(%x, %w : tensor<3x{c}x{dt}>, tensor<{c}x{d}x{dt}>) outs(%f : tensor<3x{d}x{dt}>) -> tensor<3x{d}x{dt}>
  return %r : tensor<3x{d}x{dt}>
}}
"""


def _blob(text, name, dtype, shape):
    """The bytes of blob `name` in fully printed IR text, as an array."""
    hexed = text.split(f'{name}: "0x')[1].split('"')[0]
    return np.frombuffer(bytes.fromhex(hexed[8:]), dtype).reshape(shape)  # after the alignment


def _scalar(v):
    """An f32 element of a printed dense<...>: decimal, or hex bits."""
    v = v.strip()
    return np.uint32(int(v, 16)).view(np.float32) if v.startswith("0x") else np.float32(v)


def _as_f32(bits_or_values, dt):
    """The f32 values of a weight given as stored (bf16: uint16 bits)."""
    if dt == "bf16":
        return (bits_or_values.astype(np.uint32) << 16).view(np.float32)
    return bits_or_values.astype(np.float32)


def _weight(rng, c, d, dt):
    w = rng.standard_normal((c, d)).astype(np.float32) * 3
    w[:, 1] = 0  # an all-zero output channel: scale 1, not 0 or NaN
    w[0, 2], w[1, 2], w[2, 2] = 127.0, 2.5, -3.5  # scale 1: ties to even
    w[1, 0] = 1e-3 * w[1, 0]
    if dt == "f16":
        return w.astype(np.float16)
    if dt == "bf16":  # round to nearest even, kept as bits
        u = w.view(np.uint32).astype(np.uint64)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return w


@pytest.mark.parametrize("dt", ["f32", "f16", "bf16"])
@pytest.mark.parametrize("c,d", [(5, 3), (37, 300)])
def test_quantized_weight_matches_reference(rng, dt, c, d):
    stored = _weight(rng, c, d, dt)
    m = quantc.Module(_ir(c, d, dt), {"w": stored})
    m.run("quantc-quantize{activations=none}")
    text = m.mlir(elide_resources_over=None)
    w = _as_f32(stored, dt)
    want_scale = ref.absmax_scale(w, axis=0)  # [1, D]
    want_q = ref.quantize(w, want_scale)
    assert want_scale[0, 1] == 1 and want_q[0, 2] == 127 and tuple(want_q[1:3, 2]) == (2, -4)
    np.testing.assert_array_equal(_blob(text, "w_q", np.int8, (c, d)), want_q)
    if d > 256:  # a blob, not O(D) text
        assert "dense_resource<w_scale>" in text
        got_scale = _blob(text, "w_scale", np.float32, (1, d))
    else:
        assert "w_scale" not in text
        lit = text.split("arith.constant dense<")[1].split(">")[0]
        got_scale = np.array([_scalar(v) for v in lit.strip("[]").split(",")],
                             np.float32).reshape(1, d)
    np.testing.assert_array_equal(got_scale.view(np.uint32), want_scale.view(np.uint32))
    assert "dialect_resources" in text and "dense_resource<w_q>" in text


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weight_is_refused(bad):
    w = np.ones((5, 3), np.float32)
    w[3, 2] = bad
    m = quantc.Module(_ir(5, 3, "f32"), {"w": w})
    with pytest.raises(quantc.CompileError,
                       match=r"holds .* at flat index 11; only finite weights can be quantized"):
        m.run("quantc-quantize{activations=none}")


def _to_storage(w32, dt):
    """f32 values to a weight's storage, round to nearest even (bf16 as bits)."""
    if dt == "f16":
        return w32.astype(np.float16)
    if dt == "bf16":
        u = w32.view(np.uint32).astype(np.uint64)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return w32


@pytest.mark.parametrize("dt", ["f32", "f16", "bf16"])
def test_smoothed_weight_matches_reference(rng, dt):
    """--quantc-smoothquant (alpha 0.5) on a blob weight: W' = W * s per input
    channel in f32, stored back in the weight's type (round to nearest even),
    with s_c = max(sqrt(absmax_c) / sqrt(max(wmax_c, 1e-5)), 1e-5) in double
    (Passes.td), bit-identical to NumPy."""
    c, d = 37, 5
    absmax = (np.arange(1, c + 1) * 0.5).astype(np.float32)  # exact in decimal
    w = rng.standard_normal((c, d)).astype(np.float32) * 3
    w[4] = 0  # an all-zero input channel: wmax clamped to 1e-5
    w[5, :2] = [1e-6, -3e-7]  # f16 subnormals once scaled
    stored = _to_storage(w, dt)
    stats = "[" + ", ".join(repr(float(v)) for v in absmax) + "]"
    ir = f"""
func.func @forward(%x: tensor<3x{c}xf32>) -> tensor<3x{d}xf32> {{
  %o = quantc.observe %x {{absmax = dense<{stats}> : tensor<{c}xf32>}} : tensor<3x{c}xf32>
  %w = arith.constant dense_resource<w> : tensor<{c}x{d}x{dt}>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x{d}xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<3x{d}xf32>) -> tensor<3x{d}xf32>
  %r = linalg.matmul ins(%o, %w : tensor<3x{c}xf32>, tensor<{c}x{d}x{dt}>) outs(%f : tensor<3x{d}xf32>) -> tensor<3x{d}xf32>
  return %r : tensor<3x{d}xf32>
}}"""
    m = quantc.Module(ir, {"w": stored})
    m.run("quantc-smoothquant{alpha=0.5}")
    text = m.mlir(elide_resources_over=None)
    w32 = _as_f32(stored, dt)
    wmax = np.maximum(np.abs(w32).max(axis=1).astype(np.float64), 1e-5)
    s = np.maximum(np.power(absmax.astype(np.float64), 0.5) / np.power(wmax, 0.5),
                   1e-5).astype(np.float32)
    want = _to_storage((w32 * s[:, None]).astype(np.float32), dt)
    got = _blob(text, "w_smooth", want.dtype, (c, d))
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("dt", ["f32", "f16", "bf16"])
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("c,d", [(37, 5), (19, 301)])
def test_smoothed_quantized_weight_matches_reference(rng, dt, transposed, c, d):
    """--quantc-smoothquant{defer-weights} then --quantc-quantize: the factor
    is applied while the weight is quantized (the smoothed weight is never a
    constant), and the int8 weight and scales are bit-identical to NumPy's
    quantization of the smoothed weight as --quantc-smoothquant stores it
    (W * s in f32, rounded to the weight's type), and to the pipeline that
    materializes it; weights [C, D] and transposed [D, C]."""
    absmax = (np.arange(1, c + 1) * 0.5).astype(np.float32)
    w = rng.standard_normal((c, d)).astype(np.float32) * 3
    w[4] = 0  # an all-zero input channel: wmax clamped to 1e-5
    w[:, 1] = 0  # an all-zero output channel: scale 1
    w[5, :1] = [1e-6]  # an f16 subnormal once scaled
    wt = w.T.copy() if transposed else w
    stored = _to_storage(wt, dt)
    wshape = f"{d}x{c}" if transposed else f"{c}x{d}"
    maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
            "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] "
            if transposed else "")
    stats = "[" + ", ".join(repr(float(v)) for v in absmax) + "]"
    ir = f"""
func.func @forward(%x: tensor<3x{c}xf32>) -> tensor<3x{d}xf32> {{
  %o = quantc.observe %x {{absmax = dense<{stats}> : tensor<{c}xf32>}} : tensor<3x{c}xf32>
  %w = arith.constant dense_resource<w> : tensor<{wshape}x{dt}>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x{d}xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<3x{d}xf32>) -> tensor<3x{d}xf32>
  %r = linalg.matmul {maps}ins(%o, %w : tensor<3x{c}xf32>, tensor<{wshape}x{dt}>) outs(%f : tensor<3x{d}xf32>) -> tensor<3x{d}xf32>
  return %r : tensor<3x{d}xf32>
}}"""
    deferred = quantc.Module(ir, {"w": stored})
    deferred.run("quantc-smoothquant{alpha=0.5 defer-weights=true}")
    pending = deferred.mlir(elide_resources_over=None)
    assert "quantc.smoothed_weight" in pending and "w_smooth\"" not in pending
    deferred.run("quantc-quantize{activations=per-token}")
    text = deferred.mlir(elide_resources_over=None)
    assert "quantc.smoothed_weight" not in text and "dense_resource<w_q>" in text
    materialized = quantc.Module(ir, {"w": stored})
    materialized.run("quantc-smoothquant{alpha=0.5}")
    materialized.run("quantc-quantize{activations=per-token}")
    mtext = materialized.mlir(elide_resources_over=None)

    w32 = _as_f32(stored, dt)
    w32 = w32.T if transposed else w32  # [C, D]
    wmax = np.maximum(np.abs(w32).max(axis=1).astype(np.float64), 1e-5)
    s = np.maximum(np.power(absmax.astype(np.float64), 0.5) / np.power(wmax, 0.5),
                   1e-5).astype(np.float32)
    smoothed = _as_f32(_to_storage((w32 * s[:, None]).astype(np.float32), dt), dt)
    if transposed:
        smoothed = smoothed.T.copy()  # [D, C]
    axis = 1 if transposed else 0
    want_scale = ref.absmax_scale(smoothed, axis=axis)
    want_q = ref.quantize(smoothed, want_scale)
    shape = smoothed.shape
    got_q = _blob(text, "w_q", np.int8, shape)
    np.testing.assert_array_equal(got_q, want_q)
    np.testing.assert_array_equal(_blob(mtext, "w_smooth_q", np.int8, shape), want_q)
    if d > 256:
        got_scale = _blob(text, "w_scale", np.float32, want_scale.shape)
        np.testing.assert_array_equal(got_scale.view(np.uint32),
                                      want_scale.view(np.uint32))
