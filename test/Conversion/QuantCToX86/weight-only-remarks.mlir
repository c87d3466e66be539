// No silent fallback: every weight-only contraction that does not take the
// fused kernel says why (and keeps its dequantize for the float path); plain
// float contractions are not this pass's and get no remark.
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86 -split-input-file -verify-diagnostics | FileCheck %s
// The remarks name the kernel of the isa option.
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86=isa=avx2 -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
// AVX2: remark: runs with the weight dequantized to float, not on the avx2 weight-only kernel: the weight's zero point is neither a constant nor known at load time
// Options out of their domain are an error.
// RUN: not quantc-opt %s --quantc-lower-weight-only-to-x86="mr=8 nr=4" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: quantc-lower-weight-only-to-x86: mr and nr in [0, 64], kc in [0, 2^20] (0: the default), and mr * nr accumulators + nr weight vectors + 1 broadcast within the 32 zmm registers; got mr = 8, nr = 4, kc = 0
// RUN: not quantc-opt %s --quantc-lower-weight-only-to-x86="isa=avx2 mr=7" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD2
// BAD2: within the 16 ymm registers; got mr = 7, nr = 0
// RUN: not quantc-opt %s --quantc-lower-weight-only-to-x86="kc=-1" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD3
// BAD3: got mr = 0, nr = 0, kc = -1
// RUN: not quantc-opt %s --quantc-lower-weight-only-to-x86="block-min-m=-2" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD4
// BAD4: error: quantc-lower-weight-only-to-x86: block-min-m is -1 (never blocked), 0 (the default) or in [1, 2^30]; got -2
// parallel-min-macs below -1 was taken silently (the CPU pipeline refuses it).
// RUN: not quantc-opt %s --quantc-lower-weight-only-to-x86="parallel-min-macs=-7" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=MACS
// MACS: error: quantc-lower-weight-only-to-x86: parallel-min-macs must be a number of multiply-adds >= 0 or -1 (never parallel), got -7

// CHECK-LABEL: func.func @zero_point
// CHECK: quantc.dequantize
// CHECK: linalg.matmul
func.func @zero_point(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<1x16xf32>, %zp: tensor<1x16xi8>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s zero_point %zp : tensor<8x16xi8>, tensor<1x16xf32>, tensor<1x16xi8> -> tensor<8x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{runs with the weight dequantized to float, not on the avx512 weight-only kernel: the weight's zero point is neither a constant nor known at load time (the kernel takes packed zero points)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

func.func @i16_storage(%x: tensor<4x8xf32>, %w: tensor<8x16xi16>, %s: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<8x16xi16>, tensor<1x16xf32> -> tensor<8x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: weight storage 'i16' (the kernel takes i8 and i4)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// A run-time i4 weight: widened to i8 per call, then the int8 kernel (said
// so).
// CHECK-LABEL: func.func @runtime_i4
// CHECK: %[[W8:.+]] = arith.extsi %{{.+}} : tensor<64x16xi4> to tensor<64x16xi8>
// CHECK: bufferization.to_buffer %[[W8]]
// CHECK: call @__quantc_x86_w8a16_gemm
func.func @runtime_i4(%x: tensor<4x64xf32>, %w: tensor<64x16xi4>, %s: tensor<2x16xf32>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<64x16xi4>, tensor<2x16xf32> -> tensor<64x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{the run-time i4 weight is widened to i8 on every call before the avx512 weight-only kernel (4-bit weights are packed two per byte only when constant)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x64xf32>, tensor<64x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

func.func @runtime_transposed(%x: tensor<4x8xf32>, %w: tensor<16x8xi8>, %s: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<16x8xi8>, tensor<16x1xf32> -> tensor<16x8xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: a run-time weight stored [n, k] (the kernel reads run-time weights stored [k, n] in place)}}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %d : tensor<4x8xf32>, tensor<16x8xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

func.func @per_input_channel(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<8x1xf32>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<8x16xi8>, tensor<8x1xf32> -> tensor<8x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: the weight scale is per-input-channel (the kernel takes per-channel scales and groups along K)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

func.func @blocks_along_n(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<1x8xf32>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<8x16xi8>, tensor<1x8xf32> -> tensor<8x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: the weight scale varies in blocks along N}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// A run-time M takes the kernel (weight-only-dynamic-m.mlir); a run-time N
// or K (the weight's shape) does not.
func.func @dynamic_weight(%x: tensor<4x8xf32>, %w: tensor<8x?xi8>, %s: tensor<1x?xf32>, %c: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %d = quantc.dequantize %w, %s : tensor<8x?xi8>, tensor<1x?xf32> -> tensor<8x?xf32>
  // expected-remark @+1 {{weight-only kernel: a dynamic weight or scale shape (the kernel takes a run-time M only)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf32>, tensor<8x?xf32>) outs(%c : tensor<4x?xf32>) -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// -----

// A run-time M with the activation stored [k, m]: its K stride is M.
func.func @dynamic_m_transposed_a(%x: tensor<8x?xf32>, %w: tensor<8x16xi8>, %s: tensor<1x16xf32>, %c: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<8x16xi8>, tensor<1x16xf32> -> tensor<8x16xf32>
  // expected-remark @+1 {{weight-only kernel: dynamic shapes other than a run-time M of an activation stored [m, k]}}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %d : tensor<8x?xf32>, tensor<8x16xf32>) outs(%c : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

func.func @f16_output(%x: tensor<4x8xf16>, %w: tensor<8x16xi8>, %s: tensor<1x16xf16>) -> tensor<4x16xf16> {
  %d = quantc.dequantize %w, %s : tensor<8x16xi8>, tensor<1x16xf16> -> tensor<8x16xf16>
  %e = tensor.empty() : tensor<4x16xf16>
  // expected-remark @+1 {{weight-only kernel: activation 'f16', dequantized weight 'f16' and output 'f16' (the kernel takes f32 / f16 / bf16 activations and an f32 weight and output)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf16>, tensor<8x16xf16>) outs(%e : tensor<4x16xf16>) -> tensor<4x16xf16>
  return %r : tensor<4x16xf16>
}

// -----

func.func @through_transpose(%x: tensor<4x8xf32>, %w: tensor<16x8xi8>, %s: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<16x8xi8>, tensor<16x1xf32> -> tensor<16x8xf32>
  %t0 = tensor.empty() : tensor<8x16xf32>
  %t = linalg.transpose ins(%d : tensor<16x8xf32>) outs(%t0 : tensor<8x16xf32>) permutation = [1, 0]
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: the weight is not the result of a quantc.dequantize (layout ops or smoothing factors in between)}}
  %r = linalg.matmul ins(%x, %t : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

func.func @batched(%x: tensor<2x4x8xf32>, %w: tensor<2x8x16xi8>, %s: tensor<1x1x16xf32>) -> tensor<2x4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<2x8x16xi8>, tensor<1x1x16xf32> -> tensor<2x8x16xf32>
  %e = tensor.empty() : tensor<2x4x16xf32>
  // expected-remark @+1 {{weight-only kernel: not a 2-D GEMM on tensors (one M, N and K dimension)}}
  %r = linalg.batch_matmul ins(%x, %d : tensor<2x4x8xf32>, tensor<2x8x16xf32>) outs(%e : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %r : tensor<2x4x16xf32>
}

// -----

func.func @f16_scale(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>, %s: tensor<1x16xf16>) -> tensor<4x16xf32> {
  %d = quantc.dequantize %w, %s : tensor<8x16xi8>, tensor<1x16xf16> -> tensor<8x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: scale element type 'f16' (the kernel takes f32 scales)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// Not weight-only: no remark, left to the float pass.
// CHECK-LABEL: func.func @plain_float
// CHECK: linalg.matmul
func.func @plain_float(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// A constant weight whose blob has no bytes (none given here) cannot be
// packed: said, not read as a run-time weight.
func.func @no_bytes(%x: tensor<4x64xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense_resource<nobytes> : tensor<64x16xi4>
  %s = arith.constant dense<0.5> : tensor<1x16xf32>
  %d = quantc.dequantize %w, %s : tensor<64x16xi4>, tensor<1x16xf32> -> tensor<64x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  // expected-remark @+1 {{weight-only kernel: the bytes of the constant weight cannot be read (a dense_resource blob without data)}}
  %r = linalg.matmul ins(%x, %d : tensor<4x64xf32>, tensor<64x16xf32>) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
