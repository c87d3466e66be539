// RUN: quantc-opt %s --quantc-verify-gemm="mode=warn" -split-input-file -verify-diagnostics | FileCheck %s

// mode=warn: every diagnostic is a remark, the pass succeeds, and the
// contraction carries the verdict for later passes.

// CHECK-LABEL: func.func @per_channel_activation
// CHECK: linalg.matmul {quantc.gemm = "illegal"}
func.func @per_channel_activation(%xq: tensor<4x64xi8>, %xs: tensor<1x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<1x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x64xf32>' that varies along reduction dimension 1 (size 64)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @overflow
// CHECK: quantc.matmul
// CHECK-SAME: {quantc.gemm = "int8", quantc.gemm_k_split = 133120 : i64}
func.func @overflow(%x: tensor<1x140000xf32>, %xs: tensor<1x1xf32>, %w: tensor<2x140000xf32>, %ws: tensor<2x1xf32>) -> tensor<1x2xi32> {
  %xq = quantc.quantize %x, %xs : tensor<1x140000xf32>, tensor<1x1xf32> -> tensor<1x140000xi8>
  %wq = quantc.quantize %w, %ws : tensor<2x140000xf32>, tensor<2x1xf32> -> tensor<2x140000xi8>
  // expected-remark @+1 {{int32 accumulator can overflow: the reduction dimension of 140000 elements}}
  %acc = quantc.matmul %xq, %wq : tensor<1x140000xi8>, tensor<2x140000xi8> -> tensor<1x2xi32>
  return %acc : tensor<1x2xi32>
}

// -----

// A legal matmul gets no remark.
// CHECK-LABEL: func.func @legal
// CHECK: quantc.matmul
// CHECK-SAME: {quantc.gemm = "int8"}
func.func @legal(%x: tensor<4x64xf32>, %xs: tensor<4x1xf32>, %w: tensor<16x64xf32>, %ws: tensor<16x1xf32>) -> tensor<4x16xi32> {
  %xq = quantc.quantize %x, %xs : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xi8>
  %wq = quantc.quantize %w, %ws : tensor<16x64xf32>, tensor<16x1xf32> -> tensor<16x64xi8>
  %acc = quantc.matmul %xq, %wq : tensor<4x64xi8>, tensor<16x64xi8> -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}
