"""Issue 15 (hardening, round 2): bad input through the Python API ends in a
CompileError or a TypeError/ValueError -- never a dead interpreter, a
MemoryError or a silently wrong number."""
import pytest

import quantc


def test_deep_nesting_is_a_compile_error():
    # 5000 nested regions overflow the stack of MLIR's recursive parser; the
    # facade screens the text before parsing, in this interpreter.
    deep = ("func.func @f() {\n" + "scf.execute_region {\n" * 5000 +
            "scf.yield\n}\n" * 5000 + "return\n}\n")
    with pytest.raises(quantc.CompileError, match="nest deeper than 1000"):
        quantc.run_pipeline(deep, "quantc-import-quant")
    with pytest.raises(quantc.CompileError, match="nest deeper than 1000"):
        quantc.compile_cpu(deep)


import numpy as np

DYN = """
func.func @matmul(%a: tensor<?x?xi8>, %b: tensor<?x?xi8>) -> tensor<?x?xi32> {
  %c = quantc.matmul %a, %b : tensor<?x?xi8>, tensor<?x?xi8> -> tensor<?x?xi32>
  return %c : tensor<?x?xi32>
}
func.func @kfixed(%a: tensor<?x?xi8>) -> tensor<?x4xi32> {
  %w = arith.constant dense<1> : tensor<4x8xi8>
  %c = quantc.matmul %a, %w : tensor<?x?xi8>, tensor<4x8xi8> -> tensor<?x4xi32>
  return %c : tensor<?x4xi32>
}
func.func @scalar(%x: tensor<f32>, %h: f16) -> (tensor<f32>, f16) {
  return %x, %h : tensor<f32>, f16
}
"""


@pytest.fixture(scope="module")
def dyn():
    return quantc.compile_cpu(DYN, pipeline="quantc-cpu-pipeline{cpu=generic}")


def test_reduction_sizes_must_agree(dyn):
    # The generated loops trust the sizes: x 2x50,000,000 with w 2x1 read
    # past w (a dead interpreter); now the call is refused before it runs.
    assert dyn.matmul.dim_groups  # the compiler recorded K(a) == K(b)
    with pytest.raises(ValueError, match="dimension 1 of argument 1 is 1 but must equal "
                                         "dimension 1 of argument 0"):
        dyn.matmul(np.zeros((2, 50_000_000), np.int8), np.zeros((2, 1), np.int8))
    with pytest.raises(ValueError, match="dimension 1 of argument 0 is 7 but must be 8"):
        dyn.kfixed(np.zeros((3, 7), np.int8))
    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    b = np.arange(12, dtype=np.int8).reshape(4, 3)
    np.testing.assert_array_equal(dyn.matmul(a, b), a.astype(np.int32) @ b.T.astype(np.int32))


def test_dtype_conversion_is_exact_or_refused(dyn):
    a = np.ones((2, 8), np.int64)
    assert dyn.kfixed(a).tolist() == [[8] * 4] * 2  # every value fits i8
    with pytest.raises(TypeError, match="do not all convert to int8 exactly"):
        dyn.kfixed(np.full((2, 8), 300, np.int64))  # was silently 44
    with pytest.raises(TypeError, match="exactly"):
        dyn.kfixed(np.full((2, 8), 0.5))


def test_rank0_tensor_and_f16_scalar(dyn):
    x, h = dyn.scalar(np.array(2.5, np.float32), np.float16(1.5))
    assert x.shape == () and float(x) == 2.5
    assert h.dtype == np.float16 and float(h) == 1.5


def test_missing_shared_library():
    with pytest.raises(quantc.CompileError, match="cannot load shared library '/nonexistent/libx.so'"):
        quantc.compile_cpu(DYN, shared_libs=["/nonexistent/libx.so"])


def test_numpy_quantize_range():
    with pytest.raises(ValueError, match="-128 <= qmin < qmax <= 127"):
        quantc.quantize(np.ones(4), 0.5, qmin=-1000, qmax=1000)  # was 1000 -> -24
    with pytest.raises(ValueError, match="qmin < qmax"):
        quantc.quantize(np.ones(4), 0.5, qmin=5, qmax=-5)
    with pytest.raises(ValueError, match="zero_point"):
        quantc.quantize(np.ones(4), 0.5, zero_point=np.array([1000]))
