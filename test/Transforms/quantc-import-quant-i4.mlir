// 4-bit weights from upstream quant types: signed i4 storage ([-8, 7]),
// per-axis and sub-channel (blockwise along K) scales, zero points of the
// scale's shape; imported into quantc.dequantize of tensor<...xi4>, which
// the x86 weight-only lowering packs two per byte when constant.
// RUN: quantc-opt %s --quantc-import-quant -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-import-quant --quantc-lower-weight-only-to-x86 -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=X86

// Groups of 32 along K (dimension 0 of a [K, N] weight) with zero points
// (AWQ-style).
// CHECK-LABEL: func.func @sub_channel
// CHECK: %[[S:.+]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01, 1.000000e+00, 2.000000e+00], [5.000000e-01, 2.500000e-01, 1.000000e+00, 2.000000e+00]]> : tensor<2x4xf32>
// CHECK: %[[Z:.+]] = arith.constant dense<{{\[\[}}-1, 2, 0, 7], [-8, 0, 0, 0]]> : tensor<2x4xi32>
// CHECK: quantc.dequantize %{{.+}}, %[[S]] zero_point %[[Z]] : tensor<64x4xi4>, tensor<2x4xf32>, tensor<2x4xi32> -> tensor<64x4xf32>
// X86-LABEL: func.func @sub_channel
// X86: call @__quantc_x86_w4a16_gemm
func.func @sub_channel(%x: tensor<2x64xf32>) -> tensor<2x4xf32> {
  %q = arith.constant dense<3> : tensor<64x4xi4>
  %qq = quant.scast %q : tensor<64x4xi4> to tensor<64x4x!quant.uniform<i4:f32:{0:32, 1:1}, {{0.5:-1, 0.25:2, 1.0:0, 2.0:7}, {0.5:-8, 0.25, 1.0, 2.0}}>>
  %d = quant.dcast %qq : tensor<64x4x!quant.uniform<i4:f32:{0:32, 1:1}, {{0.5:-1, 0.25:2, 1.0:0, 2.0:7}, {0.5:-8, 0.25, 1.0, 2.0}}>> to tensor<64x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.matmul ins(%x, %d : tensor<2x64xf32>, tensor<64x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// Per output channel (axis 1 of [K, N]), symmetric.
// CHECK-LABEL: func.func @per_axis
// CHECK: %[[S:.+]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01, 1.000000e+00, 2.000000e+00]]> : tensor<1x4xf32>
// CHECK: quantc.dequantize %{{.+}}, %[[S]] : tensor<64x4xi4>, tensor<1x4xf32> -> tensor<64x4xf32>
// X86-LABEL: func.func @per_axis
// X86: call @__quantc_x86_w4a16_gemm
func.func @per_axis(%x: tensor<2x64xf32>) -> tensor<2x4xf32> {
  %q = arith.constant dense<-5> : tensor<64x4xi4>
  %qq = quant.scast %q : tensor<64x4xi4> to tensor<64x4x!quant.uniform<i4:f32:1, {0.5, 0.25, 1.0, 2.0}>>
  %d = quant.dcast %qq : tensor<64x4x!quant.uniform<i4:f32:1, {0.5, 0.25, 1.0, 2.0}>> to tensor<64x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.matmul ins(%x, %d : tensor<2x64xf32>, tensor<64x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// u4 storage (AWQ/GPTQ checkpoints' [0, 15]) is not taken: the diagnostic
// says how to map it to i4.
func.func @u4(%w: tensor<64x4xi4>) -> tensor<64x4xf32> {
  // expected-error @+1 {{unsigned storage type in '!quant.uniform<u4:f32:1, {5.000000e-01:8,2.500000e-01:8,1.000000e+00:8,2.000000e+00:8}>' is not supported; use signed storage with a zero point (i8; or i4 for 4-bit weights: u4 values q in [0, 15] with zero point z are the i4 values q - 8 with zero point z - 8)}}
  %qq = quant.scast %w : tensor<64x4xi4> to tensor<64x4x!quant.uniform<u4:f32:1, {0.5:8, 0.25:8, 1.0:8, 2.0:8}>>
  // expected-error @+1 {{unsigned storage type in '!quant.uniform<u4:f32:1,}}
  %d = quant.dcast %qq : tensor<64x4x!quant.uniform<u4:f32:1, {0.5:8, 0.25:8, 1.0:8, 2.0:8}>> to tensor<64x4xf32>
  return %d : tensor<64x4xf32>
}

// -----

// A zero point outside the i4 range [-8, 7].
func.func @zero_point_range(%w: tensor<64x4xi4>) -> tensor<64x4xf32> {
  // expected-error @+1 {{zero point 9 of '!quant.uniform<i4:f32:1, {5.000000e-01:9,2.500000e-01,1.000000e+00,2.000000e+00}>' is outside its storage range [-8, 7]}}
  %qq = quant.scast %w : tensor<64x4xi4> to tensor<64x4x!quant.uniform<i4:f32:1, {0.5:9, 0.25, 1.0, 2.0}>>
  // expected-error @+1 {{zero point 9 of}}
  %d = quant.dcast %qq : tensor<64x4x!quant.uniform<i4:f32:1, {0.5:9, 0.25, 1.0, 2.0}>> to tensor<64x4xf32>
  return %d : tensor<64x4xf32>
}

// -----

// Blocks that do not divide K (the upstream type verifier says so).
func.func @bad_block(%w: tensor<80x4xi4>) -> tensor<80x4xf32> {
  // expected-error @+1 {{tensor dimension size 80 at axis 0 must be divisible by the corresponding block size 32}}
  %qq = quant.scast %w : tensor<80x4xi4> to tensor<80x4x!quant.uniform<i4:f32:{0:32}, {{0.5}, {0.25}}>>
  %d = quant.dcast %qq : tensor<80x4x!quant.uniform<i4:f32:{0:32}, {{0.5}, {0.25}}>> to tensor<80x4xf32>
  return %d : tensor<80x4xf32>
}
