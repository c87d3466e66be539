// RUN: quantc-opt %s | quantc-opt | FileCheck %s
// RUN: quantc-opt %s --canonicalize | FileCheck %s --check-prefix=FOLD

// FP8 E4M3 storage on the builtin f8E4M3FN type: quantize / dequantize and
// the FP8 GEMM (f32 accumulator) into the rescale epilogue.

// CHECK-LABEL: func.func @fp8_gemm
// CHECK: quantc.compute_scale %{{.*}} {dims = array<i64: 1>, qmax = 448 : i64}
// CHECK: quantc.quantize %{{.*}} : tensor<4x32xf32>, tensor<4x1xf32> -> tensor<4x32xf8E4M3FN>
// CHECK: quantc.matmul %{{.*}} : tensor<4x32xf8E4M3FN>, tensor<16x32xf8E4M3FN> -> tensor<4x16xf32>
// CHECK: quantc.rescale %{{.*}} : (tensor<4x16xf32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
// CHECK: quantc.dequantize %{{.*}} : tensor<16x32xf8E4M3FN>, tensor<1x32xf32> -> tensor<16x32xf32>
func.func @fp8_gemm(%x: tensor<4x32xf32>, %w: tensor<16x32xf8E4M3FN>, %ws: tensor<1x16xf32>, %s: tensor<1x32xf32>) -> (tensor<4x16xf32>, tensor<16x32xf32>) {
  %xs = quantc.compute_scale %x {dims = array<i64: 1>, qmax = 448} : tensor<4x32xf32> -> tensor<4x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<4x32xf32>, tensor<4x1xf32> -> tensor<4x32xf8E4M3FN>
  %acc = quantc.matmul %xq, %w : tensor<4x32xf8E4M3FN>, tensor<16x32xf8E4M3FN> -> tensor<4x16xf32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xf32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  %d = quantc.dequantize %w, %s : tensor<16x32xf8E4M3FN>, tensor<1x32xf32> -> tensor<16x32xf32>
  return %y, %d : tensor<4x16xf32>, tensor<16x32xf32>
}

// Folding a constant: x / 2 to the nearest E4M3 value, ties to even, +-448
// saturation, NaN to 0. 1.0625 / 2 = 0.53125 lies halfway between 0.5 and
// 0.5625: even mantissa, 0.5; 2^-10 / 2 = 2^-11 is a quarter of the smallest
// subnormal 2^-9: 0; 2^-8 / 2 is that subnormal; 480 / 2 = 240 is exact.
// FOLD-LABEL: func.func @fold
// FOLD: arith.constant dense<[5.000000e-01, 4.480000e+02, -4.480000e+02, 0.000000e+00, 0.000000e+00, 1.953130e-03, 2.400000e+02]> : tensor<7xf8E4M3FN>
func.func @fold() -> tensor<7xf8E4M3FN> {
  %x = arith.constant dense<[1.0625, 1000.0, -2000.0, 0x7FC00000, 0.0009765625, 0.00390625, 480.0]> : tensor<7xf32>
  %s = arith.constant dense<2.0> : tensor<1xf32>
  %q = quantc.quantize %x, %s : tensor<7xf32>, tensor<1xf32> -> tensor<7xf8E4M3FN>
  return %q : tensor<7xf8E4M3FN>
}
