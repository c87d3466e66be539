// Stock mlir-opt runs --quantc-import-quant and --quantc-verify-gemm from the
// plugin (quantc-verify-gemm anchors on func.func). Its diagnostics reach
// mlir-opt's -verify-diagnostics like those of a built-in pass.
// RUN: %mlir_opt_stock --load-dialect-plugin=%quantc_plugin --load-pass-plugin=%quantc_plugin \
// RUN:   --pass-pipeline='builtin.module(quantc-import-quant,func.func(quantc-verify-gemm))' \
// RUN:   -split-input-file -verify-diagnostics %s | FileCheck %s

// Upstream QDQ types: per-tensor activation, per-output-channel weight
// (transposed-B [D, C] layout, quantized dimension 0).
// CHECK-LABEL: func.func @qdq_gemm
// CHECK:         quantc.dequantize
// CHECK:         linalg.matmul
// CHECK-SAME:      quantc.gemm = "int8"
func.func @qdq_gemm(%x: tensor<4x8xf32>, %w: tensor<2x8xf32>) -> tensor<4x2xf32> {
  %xq = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32, 0.5>>
  %xd = quant.dcast %xq : tensor<4x8x!quant.uniform<i8:f32, 0.5>> to tensor<4x8xf32>
  %wq = quant.qcast %w : tensor<2x8xf32> to tensor<2x8x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  %wd = quant.dcast %wq : tensor<2x8x!quant.uniform<i8:f32:0, {0.1, 0.2}>> to tensor<2x8xf32>
  %init = tensor.empty() : tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x8xf32>, tensor<2x8xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A per-channel activation scale cannot be factored out of the GEMM.
func.func @per_channel_activation(%xq: tensor<4x64xi8>, %xs: tensor<1x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<1x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x64xf32>' that varies along reduction dimension 1 (size 64)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
