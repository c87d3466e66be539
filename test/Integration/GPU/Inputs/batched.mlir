// Compiled ahead of time by quantc-aot and run by batched_driver.cpp on a GPU
// machine; run_batched_checks.py compares every output with the NumPy
// reference. Attention's batched int8 GEMMs, both operands run-time: Q.K^T
// ("NT", K stored [B, N, K]) and P.V ("NN", V stored [B, K, N], transposed on
// the host), batch 1 and 33, odd and dynamic M, epilogues fused.

// NT, 33 batches, dynamic M (called for M = 0, 1, 7, 33, 130), a per-token
// scale per batch and one shared scale, to f32.
func.func @qk_f32(%q: tensor<33x?x128xi8>, %k: tensor<33x128x128xi8>, %qs: tensor<33x?x1xf32>,
                  %ks: tensor<1x1x1xf32>) -> tensor<33x?x128xf32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %q, %k : tensor<33x?x128xi8>, tensor<33x128x128xi8> -> tensor<33x?x128xi32>
  %y = quantc.rescale %acc, %qs, %ks : (tensor<33x?x128xi32>, tensor<33x?x1xf32>, tensor<1x1x1xf32>) -> tensor<33x?x128xf32>
  return %y : tensor<33x?x128xf32>
}
// NN, 33 batches, dynamic M, the raw int32 accumulators.
func.func @pv_i32(%p: tensor<33x?x128xi8>, %v: tensor<33x128x64xi8>) -> tensor<33x?x64xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %p, %v {transpose_rhs} : tensor<33x?x128xi8>, tensor<33x128x64xi8> -> tensor<33x?x64xi32>
  return %acc : tensor<33x?x64xi32>
}
// NT, one batch, odd static M (37 rows padded to 48), K = 64.
func.func @qk_b1_i32(%q: tensor<1x37x64xi8>, %k: tensor<1x80x64xi8>) -> tensor<1x37x80xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %q, %k : tensor<1x37x64xi8>, tensor<1x80x64xi8> -> tensor<1x37x80xi32>
  return %acc : tensor<1x37x80xi32>
}
// NN, 33 batches, odd static M (7), per-token and per-batch per-column scales,
// ReLU, to f16.
func.func @pv_f16(%p: tensor<33x7x256xi8>, %v: tensor<33x256x64xi8>, %ps: tensor<33x7x1xf32>,
                  %vs: tensor<33x1x64xf32>) -> tensor<33x7x64xf16>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %p, %v {transpose_rhs} : tensor<33x7x256xi8>, tensor<33x256x64xi8> -> tensor<33x7x64xi32>
  %y = quantc.rescale %acc, %ps, %vs {activation = #quantc.activation<relu>} : (tensor<33x7x64xi32>, tensor<33x7x1xf32>, tensor<33x1x64xf32>) -> tensor<33x7x64xf16>
  return %y : tensor<33x7x64xf16>
}
