// RUN: quantc-opt %s --quantc-verify-gemm --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s

// --quantc-fuse takes a GEMM the shared analysis verifies as "fp8" (FP8
// E4M3 x E4M3, per-token x per-channel scales) as it takes an "int8" one:
// quantc.matmul on the f8E4M3FN tensors (f32 accumulator) and the rescale.
// One it leaves float says so, naming the fp8 verdict.

// CHECK-LABEL: func.func @fused
// CHECK: %[[ACC:.*]] = quantc.matmul %{{.*}}, %{{.*}} : tensor<4x64xf8E4M3FN>, tensor<16x64xf8E4M3FN> -> tensor<4x16xf32>
// CHECK: quantc.rescale %[[ACC]]
// CHECK-NOT: linalg.matmul
func.func @fused(%xq: tensor<4x64xf8E4M3FN>, %xs: tensor<4x1xf32>, %wq: tensor<16x64xf8E4M3FN>, %ws: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x64xf8E4M3FN>, tensor<4x1xf32> -> tensor<4x64xf32>
  %w = quantc.dequantize %wq, %ws : tensor<16x64xf8E4M3FN>, tensor<16x1xf32> -> tensor<16x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @nonzero_init
// CHECK: linalg.matmul {{.*}}quantc.gemm = "fp8"
// CHECK-NOT: quantc.matmul
func.func @nonzero_init(%xq: tensor<4x64xf8E4M3FN>, %xs: tensor<4x1xf32>, %wq: tensor<16x64xf8E4M3FN>, %ws: tensor<16x1xf32>, %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x64xf8E4M3FN>, tensor<4x1xf32> -> tensor<4x64xf32>
  %w = quantc.dequantize %wq, %ws : tensor<16x64xf8E4M3FN>, tensor<16x1xf32> -> tensor<16x64xf32>
  // expected-remark @+1 {{verified as an fp8 GEMM but stays a float GEMM: its accumulator (outs) does not start at zero}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
