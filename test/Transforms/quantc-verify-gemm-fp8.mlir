// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s

// FP8 (f8E4M3FN) storage obeys the integer GEMM rule of the shared analysis
// and gets its own mark, "fp8" (an int8 kernel cannot take it):
// per-token activation x per-channel weight scales are legal (no int32
// overflow check: the accumulator is f32), a scale along K is rejected.

// CHECK-LABEL: func.func @legal
// CHECK: linalg.matmul {quantc.gemm = "fp8"}
// CHECK-NOT: quantc.gemm_k_split
func.func @legal(%xq: tensor<4x4096xf8E4M3FN>, %xs: tensor<4x1xf32>, %wq: tensor<4096x16xf8E4M3FN>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x4096xf8E4M3FN>, tensor<4x1xf32> -> tensor<4x4096xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<4096x16xf8E4M3FN>, tensor<1x16xf32> -> tensor<4096x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x4096xf32>, tensor<4096x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @k_varying(%xq: tensor<4x64xf8E4M3FN>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xf8E4M3FN>, %ws: tensor<64x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xf8E4M3FN>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xf8E4M3FN>, tensor<64x1xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<64x1xf32>' that varies along reduction dimension 0 (size 64)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
