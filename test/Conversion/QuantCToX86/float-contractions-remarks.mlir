// No silent fallback: every float contraction that does not take the FMA
// kernels says why; integer contractions (the int8 path's) and other linalg
// ops are not this pass's and get no remark.
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86 -split-input-file -verify-diagnostics -o /dev/null
// The remarks name the kernel of the isa option.
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86=isa=avx2 -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
// AVX2: remark: runs on the reference lowering, not the avx2 FMA kernel: a dynamic K with an 'f16' output
// Options out of their domain are an error.
// RUN: not quantc-opt %s --quantc-lower-float-contractions-to-x86="mr=8 nr=4" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: quantc-lower-float-contractions-to-x86: mr in [1, 64], nr >= 1, kunroll in [1, 64], kc, mc and block-kib in [1, 2^20] (0: the default), and mr * nr accumulators + nr panel vectors + 1 broadcast within the 32 zmm registers; dot-max-m in [0, 4096], dot-kc in [1, 2^20], dot-mr in [1, 64], dot-nr >= 1 and dot-mr * dot-nr + dot-nr + 1 within them too; got mr = 8, nr = 4,
// RUN: not quantc-opt %s --quantc-lower-float-contractions-to-x86="isa=avx2 mr=6 nr=3" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD2
// BAD2: within the 16 ymm registers; dot-max-m in [0, 4096], dot-kc in [1, 2^20], dot-mr in [1, 64], dot-nr >= 1 and dot-mr * dot-nr + dot-nr + 1 within them too; got mr = 6, nr = 3,
// The dot-product tile within the registers too.
// RUN: not quantc-opt %s --quantc-lower-float-contractions-to-x86="dot-mr=5 dot-nr=6" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD3
// BAD3: dot-max-m = 16, dot-mr = 5, dot-nr = 6, dot-kc = 256
// RUN: not quantc-opt %s --quantc-lower-float-contractions-to-x86="dot-max-m=-1" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD4
// BAD4: dot-max-m = -1, dot-mr = 4, dot-nr = 6, dot-kc = 256
// parallel-min-macs below -1 was taken silently (the CPU pipeline refuses it).
// RUN: not quantc-opt %s --quantc-lower-float-contractions-to-x86="parallel-min-macs=-7" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=MACS
// MACS: error: quantc-lower-float-contractions-to-x86: parallel-min-macs must be a number of multiply-adds >= 0 or -1 (never parallel), got -7

// Run-time M, N and K take the kernel (float-contractions-dynamic.mlir),
// except a run-time K with an f16 / bf16 output (its sums are written once,
// after all of K).
func.func @dynamic_k_f16_out(%a: tensor<?x?xf16>, %b: tensor<?x4xf16>, %c: tensor<?x4xf16>) -> tensor<?x4xf16> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: a dynamic K with an 'f16' output (its partial sums stay in f32 registers over all of K, which must then be static)}}
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf16>, tensor<?x4xf16>) outs(%c : tensor<?x4xf16>) -> tensor<?x4xf16>
  return %r : tensor<?x4xf16>
}

// -----

// A run-time batch count inside the M stride of A ([M, batch, K]).
func.func @dynamic_batch_in_m_stride(%a: tensor<3x?x?xf32>, %b: tensor<?x?x4xf32>, %c: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  // expected-remark @+1 {{a dynamic M inside the M or K stride of an operand}}
  %r = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (m, b, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : tensor<3x?x?xf32>, tensor<?x?x4xf32>) outs(%c : tensor<?x3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3x4xf32>
  return %r : tensor<?x3x4xf32>
}

// -----

// A stored [K, M] with a run-time M: its K stride is M.
func.func @dynamic_m_transposed_a(%a: tensor<8x?xf32>, %b: tensor<8x4xf32>, %c: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: a dynamic M inside the M or K stride of an operand (A stored [K, M], or a batched operand laid out [M, batch, K], with a run-time M or batch)}}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] ins(%a, %b : tensor<8x?xf32>, tensor<8x4xf32>) outs(%c : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

func.func @f64(%a: tensor<3x8xf64>, %b: tensor<8x4xf64>, %c: tensor<3x4xf64>) -> tensor<3x4xf64> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: element type 'f64' (the kernels take f32, f16 and bf16)}}
  %r = linalg.matmul ins(%a, %b : tensor<3x8xf64>, tensor<8x4xf64>) outs(%c : tensor<3x4xf64>) -> tensor<3x4xf64>
  return %r : tensor<3x4xf64>
}

// -----

// Not the plain sum of products: acc - a * b.
func.func @not_sum(%a: tensor<3x8xf32>, %b: tensor<8x4xf32>, %c: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: the body is not a multiply-accumulate addf(out, mulf(a, b))}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<3x8xf32>, tensor<8x4xf32>) outs(%c : tensor<3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.subf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// A unary op between the product and the sum (negf): not the plain sum.
func.func @negated(%a: tensor<3x8xf32>, %b: tensor<8x4xf32>, %c: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-remark @+1 {{the body is not a multiply-accumulate}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<3x8xf32>, tensor<8x4xf32>) outs(%c : tensor<3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %nx = arith.negf %x : f32
    %p = arith.mulf %nx, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// Two reduction dimensions.
func.func @two_k(%a: tensor<3x8x2xf32>, %b: tensor<8x2x4xf32>, %c: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: not one M, N and K dimension and at most one batch dimension}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k, l) -> (m, k, l)>, affine_map<(m, n, k, l) -> (k, l, n)>, affine_map<(m, n, k, l) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %b : tensor<3x8x2xf32>, tensor<8x2x4xf32>) outs(%c : tensor<3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

func.func @transposed_output(%a: tensor<3x8xf32>, %b: tensor<8x4xf32>, %c: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: the output is not [(batch,) M, N] (a transposed output)}}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (n, m)>] ins(%a, %b : tensor<3x8xf32>, tensor<8x4xf32>) outs(%c : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

func.func @empty(%a: tensor<3x0xf32>, %b: tensor<0x4xf32>, %c: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: an empty GEMM}}
  %r = linalg.matmul ins(%a, %b : tensor<3x0xf32>, tensor<0x4xf32>) outs(%c : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

func.func @on_buffers(%a: memref<3x8xf32>, %b: memref<8x4xf32>, %c: memref<3x4xf32>) {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: the kernels take contractions on tensors}}
  linalg.matmul ins(%a, %b : memref<3x8xf32>, memref<8x4xf32>) outs(%c : memref<3x4xf32>)
  return
}

// -----

func.func @conv(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x3x4xf32>, %c: tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: convolutions are not lowered to the GEMM kernels}}
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32>) outs(%c : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  return %r : tensor<1x6x6x4xf32>
}

// -----

// Integer contractions and elementwise ops: no remark.
func.func @not_float(%a: tensor<3x8xi32>, %b: tensor<8x4xi32>, %c: tensor<3x4xi32>, %x: tensor<3x4xf32>) -> (tensor<3x4xi32>, tensor<3x4xf32>) {
  %r = linalg.matmul ins(%a, %b : tensor<3x8xi32>, tensor<8x4xi32>) outs(%c : tensor<3x4xi32>) -> tensor<3x4xi32>
  %e = linalg.exp ins(%x : tensor<3x4xf32>) outs(%x : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %r, %e : tensor<3x4xi32>, tensor<3x4xf32>
}

// -----

func.func @huge(%a: tensor<4x9223372036854775807xf32>, %b: tensor<9223372036854775807x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: an operand of 'tensor<4x9223372036854775807xf32>' has more than 2^40 elements}}
  %r = linalg.matmul ins(%a, %b : tensor<4x9223372036854775807xf32>, tensor<9223372036854775807x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// A constant in an indexing map (row 0 of A for every m).
func.func @constant_map(%a: tensor<1x8xf32>, %b: tensor<8x4xf32>, %c: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512 FMA kernel: an indexing map that is not a projected permutation}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (0, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<1x8xf32>, tensor<8x4xf32>) outs(%c : tensor<3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}
