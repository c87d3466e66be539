// FP8 (E4M3) W8A8, compiled ahead of time by quantc-aot with chip=sm_90a and
// run by fp8_gemm_driver.cpp on a GPU machine; run_fp8_checks.py compares
// the outputs with the NumPy E4M3 simulation (python/quantc/e4m3.py).
// The raw f32 accumulators of the wgmma e4m3 kernel:
func.func @fp8_gemm(%x: tensor<256x512xf8E4M3FN>, %w: tensor<384x512xf8E4M3FN>) -> tensor<256x384xf32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<256x512xf8E4M3FN>, tensor<384x512xf8E4M3FN> -> tensor<256x384xf32>
  return %acc : tensor<256x384xf32>
}
// The host's E4M3 quantize (bit-exact against NumPy):
func.func @fp8_quantize(%x: tensor<200x512xf32>, %s: tensor<200x1xf32>) -> tensor<200x512xf8E4M3FN>
    attributes {llvm.emit_c_interface} {
  %q = quantc.quantize %x, %s : tensor<200x512xf32>, tensor<200x1xf32> -> tensor<200x512xf8E4M3FN>
  return %q : tensor<200x512xf8E4M3FN>
}
// A W8A8 linear layer: per-token E4M3 activations (M = 200, padded to the
// 128-row tile), a per-channel E4M3 weight, the rescale fused in the kernel.
func.func @fp8_linear(%x: tensor<200x512xf32>, %w: tensor<384x512xf8E4M3FN>, %ws: tensor<1x384xf32>,
                      %b: tensor<1x384xf32>) -> tensor<200x384xf32>
    attributes {llvm.emit_c_interface} {
  %xs = quantc.compute_scale %x {dims = array<i64: 1>, qmax = 448} : tensor<200x512xf32> -> tensor<200x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<200x512xf32>, tensor<200x1xf32> -> tensor<200x512xf8E4M3FN>
  %acc = quantc.matmul %xq, %w : tensor<200x512xf8E4M3FN>, tensor<384x512xf8E4M3FN> -> tensor<200x384xf32>
  %y = quantc.rescale %acc, %xs, %ws bias %b : (tensor<200x384xf32>, tensor<200x1xf32>, tensor<1x384xf32>, tensor<1x384xf32>) -> tensor<200x384xf32>
  return %y : tensor<200x384xf32>
}
