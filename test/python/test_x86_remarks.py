"""The x86 lowering explains every GEMM it leaves to the reference lowering
with a remark. Remarks are diagnostics of a successful compilation: never a
CompileError; run_pipeline returns them on request."""
import numpy as np

import quantc

RUNTIME_WEIGHT = """
func.func @f(%x: tensor<3x5xi8>, %w: tensor<2x5xi8>) -> tensor<3x2xi32> {
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}
"""


def test_remark_is_returned_not_raised():
    out, diags = quantc.run_pipeline(RUNTIME_WEIGHT, "quantc-cpu-pipeline{cpu=vnni-emulated}",
                                     return_diagnostics=True)
    assert "llvm.func @f" in out
    assert "remark: runs on the reference lowering, not the avx512-vnni kernel: " \
           "the weight is not a compile-time constant" in diags
    assert "error" not in diags


def test_compile_cpu_with_remarks_runs():
    mod = quantc.compile_cpu(RUNTIME_WEIGHT, "quantc-cpu-pipeline{cpu=vnni-emulated}")
    x = np.arange(15, dtype=np.int8).reshape(3, 5)
    w = np.array([[1, -2, 3, -4, 5], [-128, 127, 0, 1, -1]], dtype=np.int8)
    want = x.astype(np.int32) @ w.astype(np.int32).T
    np.testing.assert_array_equal(mod.f(x, w), want)
