"""compile_cpu: calling JIT-compiled functions with NumPy arrays."""
import numpy as np
import pytest

import quantc

IR = """
func.func @scale_add(%x: tensor<?x3xf32>, %a: f32) -> tensor<?x3xf32> {
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x3xf32>) outs(%x : tensor<?x3xf32>) {
  ^bb0(%i: f32, %o: f32):
    %m = arith.mulf %i, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
func.func @identity(%x: tensor<4xi32>) -> tensor<4xi32> {
  return %x : tensor<4xi32>
}
func.func @constants() -> (tensor<2xi8>, f64, i32) {
  %c = arith.constant dense<[7, -8]> : tensor<2xi8>
  %f = arith.constant 2.5 : f64
  %i = arith.constant -3 : i32
  return %c, %f, %i : tensor<2xi8>, f64, i32
}
func.func @matmul(%a: tensor<3x5xi8>, %b: tensor<4x5xi8>) -> tensor<3x4xi32> {
  %c = quantc.matmul %a, %b : tensor<3x5xi8>, tensor<4x5xi8> -> tensor<3x4xi32>
  return %c : tensor<3x4xi32>
}
func.func private @helper(%x: f32) -> f32 {
  return %x : f32
}
"""


@pytest.fixture(scope="module")
def mod():
    return quantc.compile_cpu(IR)


def test_functions(mod):
    assert sorted(mod.functions) == ["constants", "identity", "matmul", "scale_add"]
    assert mod.scale_add.signature == "(tensor<?x3xf32>, f32) -> (tensor<?x3xf32>)"
    with pytest.raises(AttributeError, match="helper"):
        mod.helper  # private functions are not exposed
    with pytest.raises(KeyError):
        mod["nope"]


def test_dynamic_shape_and_inputs_not_mutated(mod):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    x0 = x.copy()
    y = mod.scale_add(x, 0.5)
    np.testing.assert_array_equal(y, x0 * 0.5)
    np.testing.assert_array_equal(x, x0)
    assert mod.scale_add(np.zeros((0, 3), np.float32), 2.0).shape == (0, 3)
    # Non-contiguous and float64 inputs are converted.
    np.testing.assert_array_equal(mod.scale_add(x0.T.copy().T.astype(np.float64), 2.0), x0 * 2)


def test_returned_argument_and_constants(mod):
    a = np.array([1, -2, 3, 2**31 - 1], np.int32)
    r = mod.identity(a)
    np.testing.assert_array_equal(r, a)
    assert r.ctypes.data != a.ctypes.data
    c, f, i = mod.constants()
    assert c.tolist() == [7, -8] and c.dtype == np.int8
    assert f == 2.5 and i == -3
    for _ in range(200):  # buffers are freed, constants are not
        mod.identity(a)
        mod.constants()


def test_int8_matmul_is_exact(mod, rng):
    a = rng.integers(-127, 128, (3, 5)).astype(np.int8)
    b = rng.integers(-127, 128, (4, 5)).astype(np.int8)
    np.testing.assert_array_equal(mod.matmul(a, b), quantc.reference.int_matmul(a, b))


def test_bad_calls(mod):
    with pytest.raises(ValueError, match=r"tensor<\?x3xf32>.*\(4, 2\)"):
        mod.scale_add(np.zeros((4, 2), np.float32), 1.0)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        mod.scale_add(np.zeros((4, 3), np.float32))
    # Another dtype converts only when every value is exact in the target.
    with pytest.raises(TypeError, match="float32"):
        mod.matmul(np.full((3, 5), 0.5, np.float32), np.zeros((4, 5), np.int8))


def test_compile_errors():
    with pytest.raises(quantc.CompileError, match="<input>:1:"):
        quantc.compile_cpu("func.func @f( {")
    with pytest.raises(quantc.CompileError, match="no-such-pass"):
        quantc.compile_cpu(IR, pipeline="no-such-pass")
    # Not lowered to LLVM: the JIT reports it instead of crashing.
    with pytest.raises(quantc.CompileError):
        quantc.compile_cpu(IR, pipeline="cse")


@pytest.mark.parametrize("cpu", ["host", "vnni-emulated"])
def test_parallel_int8_gemm(cpu):
    """A GEMM above the parallel threshold (2^24 multiply-adds) runs on an
    OpenMP team (GOMP_parallel): compile_cpu loads the runtime itself, and
    the result is exact."""
    from quantc import reference as ref
    m = n = k = 256
    rng = np.random.default_rng(11)
    w = rng.integers(-128, 128, (n, k)).astype(np.int8)
    x = rng.integers(-128, 128, (m, k)).astype(np.int8)
    ir = f"""func.func @f(%x: tensor<{m}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = arith.constant dense<"0x{w.tobytes().hex().upper()}"> : tensor<{n}x{k}xi8>
  %r = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}"""
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu}}}"
    assert "GOMP_parallel" in quantc.run_pipeline(ir, pipeline)
    y = quantc.compile_cpu(ir, pipeline).f(x)
    np.testing.assert_array_equal(y.astype(np.int64), ref.int_matmul(x, w))
