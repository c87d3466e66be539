"""Issue 19, item 4: the call path from Python into compiled code
(quantc._quantc_rt.CallPath, python/quantc/compiler.py). Every argument that
cannot be passed as it is raises with an exact message; arguments that need
work (other dtypes converted exactly, non-contiguous and negative-stride
views) give NumPy's numbers; returned buffers are copied and freed once."""
import re
import resource

import numpy as np
import pytest

import quantc

IR = """
func.func @mm(%a: tensor<?x?xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x8xf32>)
                     outs(%f : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}
func.func @fixed(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %r = arith.addi %x, %x : tensor<2x3xi32>
  return %r : tensor<2x3xi32>
}
func.func @scale(%x: tensor<4xf64>, %s: f64, %k: i8, %b: i1) -> (tensor<4xf64>, f64, i8, i1) {
  %e = tensor.empty() : tensor<4xf64>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf64>) outs(%e : tensor<4xf64>) {
  ^bb0(%v: f64, %o: f64):
    %m = arith.mulf %v, %s : f64
    linalg.yield %m : f64
  } -> tensor<4xf64>
  %k2 = arith.addi %k, %k : i8
  %t = arith.constant true
  %nb = arith.xori %b, %t : i1
  return %r, %s, %k2, %nb : tensor<4xf64>, f64, i8, i1
}
func.func @same(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %r = arith.addf %x, %x : tensor<3xf32>
  return %x, %r, %r : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
func.func @const() -> tensor<2xi16> {
  %c = arith.constant dense<[7, -3]> : tensor<2xi16>
  return %c : tensor<2xi16>
}
func.func @half(%x: tensor<2xf16>) -> tensor<2xf16> {
  %r = arith.addf %x, %x : tensor<2xf16>
  return %r : tensor<2xf16>
}
"""


@pytest.fixture(scope="module")
def mod():
    return quantc.compile_cpu(IR)


def rng_f32(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_matmul_against_numpy(mod):
    a, b = rng_f32((5, 7)), rng_f32((7, 8), 1)
    want = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(mod.mm(a, b), want, rtol=1e-5, atol=1e-5)


def test_noncontiguous_and_negative_strides(mod):
    big = rng_f32((10, 14))
    b = rng_f32((7, 8), 1)
    for a in (big[::2, ::2], big[::-2, 1::2], big[:5, :7].T.T, big[:7, :5].T,
              np.asfortranarray(big[:5, :7])):
        assert a.shape == (5, 7)
        want = a.astype(np.float64) @ b.astype(np.float64)
        np.testing.assert_allclose(mod.mm(a, b), want, rtol=1e-5, atol=1e-5)
    # The right operand reversed in both dimensions.
    b2 = rng_f32((7, 8), 2)[::-1, ::-1]
    a = big[:5, :7]
    np.testing.assert_allclose(mod.mm(a, b2), a.astype(np.float64) @ b2,
                               rtol=1e-5, atol=1e-5)


def test_exact_integer_results_and_conversion(mod):
    x = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    got = mod.fixed(x)
    assert got.dtype == np.int32 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, 2 * x)
    # int64 and uint8 values that int32 holds are converted exactly.
    np.testing.assert_array_equal(mod.fixed(x.astype(np.int64)), 2 * x)
    np.testing.assert_array_equal(mod.fixed(np.ones((2, 3), np.uint8)), 2)
    # Non-native byte order is converted too.
    np.testing.assert_array_equal(mod.fixed(x.astype(">i4")), 2 * x)


def test_wrong_dtype(mod):
    with pytest.raises(TypeError, match=re.escape(
            "@fixed argument 0: expected tensor<2x3xi32>, got an array of <U1")):
        mod.fixed(np.full((2, 3), "a"))
    with pytest.raises(TypeError, match=re.escape(
            "@fixed argument 0: expected tensor<2x3xi32>; the int64 values do not "
            "all convert to int32 exactly (pass an array of int32)")):
        mod.fixed(np.full((2, 3), 2**40))
    with pytest.raises(TypeError, match=re.escape(
            "@mm argument 1: expected tensor<?x8xf32>; the float64 values do not "
            "all convert to float32 exactly (pass an array of float32)")):
        mod.mm(rng_f32((2, 7)), np.full((7, 8), 0.1))


def test_wrong_rank_and_shape(mod):
    with pytest.raises(ValueError, match=re.escape(
            "@fixed argument 0: expected tensor<2x3xi32>, got shape (6,)")):
        mod.fixed(np.zeros(6, np.int32))
    with pytest.raises(ValueError, match=re.escape(
            "@fixed argument 0: expected tensor<2x3xi32>, got shape (3, 2)")):
        mod.fixed(np.zeros((3, 2), np.int32))
    with pytest.raises(ValueError, match=re.escape(
            "@mm argument 1: expected tensor<?x8xf32>, got shape (7, 9)")):
        mod.mm(rng_f32((2, 7)), rng_f32((7, 9)))


def test_dim_group_mismatch(mod):
    with pytest.raises(ValueError, match=re.escape(
            "@mm: dimension 0 of argument 1 is 6 but must equal dimension 1 of "
            "argument 0 (7) (the function's ops tie these sizes together)")):
        mod.mm(rng_f32((2, 7)), rng_f32((6, 8)))


def test_argument_count(mod):
    with pytest.raises(TypeError, match=re.escape(
            "@mm takes 2 arguments (tensor<?x?xf32>, tensor<?x8xf32>) -> "
            "(tensor<?x8xf32>), got 1")):
        mod.mm(rng_f32((2, 7)))
    with pytest.raises(TypeError, match=re.escape(
            "@mm takes 2 arguments (tensor<?x?xf32>, tensor<?x8xf32>) -> "
            "(tensor<?x8xf32>), got 3")):
        mod.mm(rng_f32((2, 7)), rng_f32((7, 8)), rng_f32((7, 8)))
    with pytest.raises(TypeError, match=re.escape("@const takes 0 arguments () -> "
                                                  "(tensor<2xi16>), got 1")):
        mod.const(1)


def test_scalars(mod):
    x = np.arange(4, dtype=np.float64)
    r, s, k, b = mod.scale(x, 1.5, 5, True)
    np.testing.assert_array_equal(r, x * 1.5)
    assert (type(s), s) == (np.float64, 1.5)
    assert (type(k), k) == (np.int8, 10)
    assert (type(b), b) == (np.bool_, False)
    assert mod.scale(x, 1.5, 5, False)[3] == True  # noqa: E712 (np.bool_)
    # NumPy scalars and 0-d arrays, converted exactly.
    r, s, k, b = mod.scale(x, np.float32(0.5), np.array(-3, np.int64), np.bool_(1))
    np.testing.assert_array_equal(r, x * 0.5)
    assert (s, k, b) == (0.5, -6, False)
    with pytest.raises(TypeError, match=re.escape(
            "@scale argument 2: expected i8; the int64 values do not all convert "
            "to int8 exactly (pass an array of int8)")):
        mod.scale(x, 1.0, 300, True)
    with pytest.raises(ValueError, match=re.escape(
            "@scale argument 1: expected a scalar f64, got an array of shape (2,)")):
        mod.scale(x, [1.0, 2.0], 1, True)


def test_results_aliasing_an_input_or_each_other(mod):
    x = np.array([1, 2, 3], np.float32)
    a, r1, r2 = mod.same(x)
    # The argument comes back as a copy (its buffer is the caller's, never
    # freed); the two returns of one buffer are two arrays, freed once.
    np.testing.assert_array_equal(a, x)
    assert not np.shares_memory(a, x)
    np.testing.assert_array_equal(r1, 2 * x)
    np.testing.assert_array_equal(r2, 2 * x)
    assert not np.shares_memory(r1, r2)
    r1[0] = 100
    assert r2[0] == 2
    x[0] = 5  # the argument stays the caller's
    np.testing.assert_array_equal(mod.same(x)[1], [10, 4, 6])


def test_global_result_is_not_freed(mod):
    # A constant is returned from memref.get_global (allocated 0xDEADBEEF):
    # copied, never freed, the same every call.
    for _ in range(3):
        c = mod.const()
        np.testing.assert_array_equal(c, [7, -3])
        c[0] = 0


def test_f16(mod):
    x = np.array([1.5, -0.25], np.float16)
    got = mod.half(x)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, x * 2)
    np.testing.assert_array_equal(mod.half(np.array([1.5, -0.25])), x * 2)


def max_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_results_are_freed(mod):
    # 10^4 calls returning a 256 KiB buffer each: 2.5 GiB if none were freed.
    a, b = rng_f32((8192, 4)), rng_f32((4, 8), 1)
    want = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(mod.mm(a, b), want, rtol=1e-5, atol=1e-5)
    before = max_rss_kib()
    for _ in range(10000):
        mod.mm(a, b)
    grown = max_rss_kib() - before
    assert grown < 64 * 1024, f"max RSS grew by {grown} KiB over 10^4 calls"


U8_IR = """
func.func @u8(%x: tensor<2x3xi8>, %y: tensor<3xi8>) -> (tensor<2x3xf32>, tensor<3xi8>) {
  %q = quant.scast %x : tensor<2x3xi8> to tensor<2x3x!quant.uniform<u8:f32, 0.5:10>>
  %d = quant.dcast %q : tensor<2x3x!quant.uniform<u8:f32, 0.5:10>> to tensor<2x3xf32>
  %y2 = arith.addi %y, %y : tensor<3xi8>
  return %d, %y2 : tensor<2x3xf32>, tensor<3xi8>
}
"""


def test_u8_arguments():
    """Issue 17: an i8 argument whose every use is a quant.scast to u8
    storage (ONNX/TFLite asymmetric activations) takes np.uint8 arrays, as
    they are (the full [0, 255]); other dtypes are converted only when every
    value is a u8, else rejected with the usual message. A plain i8 argument
    still rejects u8 values above 127."""
    m = quantc.compile_cpu(U8_IR).u8
    assert m.signature == "(tensor<2x3xu8>, tensor<3xi8>) -> (tensor<2x3xf32>, tensor<3xi8>)"
    x = np.array([[0, 10, 255], [128, 127, 1]], np.uint8)
    y = np.array([1, -2, 3], np.int8)
    d, y2 = m(x, y)
    np.testing.assert_array_equal(d, (x.astype(np.float32) - 10) * 0.5)
    np.testing.assert_array_equal(y2, 2 * y)
    # Non-negative int64 values convert exactly.
    np.testing.assert_array_equal(m(x.astype(np.int64), y)[0], d)
    with pytest.raises(TypeError, match=re.escape(
            "@u8 argument 0: expected tensor<2x3xu8>; the int8 values do not "
            "all convert to uint8 exactly (pass an array of uint8)")):
        m(x.view(np.int8), y)
    with pytest.raises(TypeError, match=re.escape(
            "@u8 argument 0: expected tensor<2x3xu8>, got an array of <U1")):
        m(np.full((2, 3), "a"), y)
    with pytest.raises(TypeError, match=re.escape(
            "@u8 argument 1: expected tensor<3xi8>; the uint8 values do not "
            "all convert to int8 exactly (pass an array of int8)")):
        m(x, np.array([1, 200, 3], np.uint8))


def test_torch_tensors(mod):
    """torch tensors pass as their values, also one that requires grad (the
    compiled code is inference: it is detached) or a non-contiguous view;
    a dtype NumPy has no equivalent for (bf16) is a TypeError naming it."""
    torch = pytest.importorskip("torch")
    a = torch.randn(5, 7, requires_grad=True)
    b = torch.randn(8, 7).t()  # [7, 8], non-contiguous
    want = a.detach().numpy().astype(np.float64) @ b.numpy().astype(np.float64)
    np.testing.assert_allclose(mod.mm(a, b), want, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match=r"@mm argument 0: torch dtype torch.bfloat16 has no "
                       r"NumPy equivalent"):
        mod.mm(a.detach().bfloat16(), b)
