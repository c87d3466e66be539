"""The x86 lowering explains every GEMM it leaves to the reference lowering
with a remark. Remarks are diagnostics of a successful compilation: never a
CompileError; run_pipeline returns them on request."""
import numpy as np

import quantc

BATCHED = """
func.func @f(%x: tensor<1x2x3x5xi8>, %w: tensor<1x2x2x5xi8>) -> tensor<1x2x3x2xi32> {
  %r = quantc.matmul %x, %w : tensor<1x2x3x5xi8>, tensor<1x2x2x5xi8> -> tensor<1x2x3x2xi32>
  return %r : tensor<1x2x3x2xi32>
}
"""


def test_remark_is_returned_not_raised():
    out, diags = quantc.run_pipeline(BATCHED, "quantc-cpu-pipeline{cpu=vnni-emulated}",
                                     return_diagnostics=True)
    assert "llvm.func @f" in out
    assert "remark: runs on the reference lowering, not the avx512-vnni kernel: " \
           "it is batched" in diags
    assert "error" not in diags


def test_compile_cpu_with_remarks_runs():
    mod = quantc.compile_cpu(BATCHED, "quantc-cpu-pipeline{cpu=vnni-emulated}")
    x = np.arange(30, dtype=np.int8).reshape(1, 2, 3, 5)
    w = np.array([[[[1, -2, 3, -4, 5], [-128, 127, 0, 1, -1]]] * 2], dtype=np.int8)
    want = x.astype(np.int32) @ w.astype(np.int32).transpose(0, 1, 3, 2)
    np.testing.assert_array_equal(mod.f(x, w), want)
