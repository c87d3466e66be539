// No silent fallback: every quantc.matmul that does not take an x86 kernel,
// and every rescale of a lowered matmul that is not fused into its kernel,
// says why.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics -o /dev/null
// The remarks name the kernel of the isa option.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86=isa=avx2 -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
// AVX2-NOT: compile-time constant
// AVX2: remark: runs on the reference lowering, not the avx2 kernel: it is batched
// AVX2: remark: runs after the avx2 GEMM, not fused into its kernel: the accumulator has other users

// A weight that is not a compile-time constant is no reason: the kernel packs
// it at run time, and there is no remark.
func.func @runtime_weight(%x: tensor<3x5xi8>, %w: tensor<2x5xi8>) -> tensor<3x2xi32> {
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

func.func @overflow(%x: tensor<2x70000xi8>) -> tensor<2x16xi32> {
  %w = arith.constant dense<1> : tensor<16x70000xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: K = 70000 can overflow the i32 accumulators (at most 65793 for avx512-vnni)}}
  %r = quantc.matmul %x, %w : tensor<2x70000xi8>, tensor<16x70000xi8> -> tensor<2x16xi32>
  return %r : tensor<2x16xi32>
}

// -----

func.func @batched(%x: tensor<2x2x3x5xi8>) -> tensor<2x2x3x2xi32> {
  %w = arith.constant dense<1> : tensor<2x2x2x5xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: it is batched over 2 dimensions (rank-4 operands; the kernels take rank 2, or rank 3 looping over the batch)}}
  %r = quantc.matmul %x, %w : tensor<2x2x3x5xi8>, tensor<2x2x2x5xi8> -> tensor<2x2x3x2xi32>
  return %r : tensor<2x2x3x2xi32>
}

// -----

// A 2-D GEMM with a dynamic K (or N) and more rows than the decode kernel
// takes: the dynamic-size lowering of batched GEMMs, as a batch of one.
func.func @dynamic(%x: tensor<4x?xi8>, %w: tensor<2x?xi8>) -> tensor<4x2xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 4 x 2 x 256 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  %r = quantc.matmul %x, %w : tensor<4x?xi8>, tensor<2x?xi8> -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

func.func @dynamic_batch(%x: tensor<?x4x5xi8>, %w: tensor<?x2x5xi8>) -> tensor<?x4x2xi32> {
  // A dynamic batch: the kernel runs per batch, in blocks of the static sizes.
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 4 x 2 x 5 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  %r = quantc.matmul %x, %w : tensor<?x4x5xi8>, tensor<?x2x5xi8> -> tensor<?x4x2xi32>
  return %r : tensor<?x4x2xi32>
}

// -----

func.func @int4(%x: tensor<3x8xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<1> : tensor<2x8xi4>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its operands are not i8 ('tensor<3x8xi8>' x 'tensor<2x8xi4>')}}
  %r = quantc.matmul %x, %w : tensor<3x8xi8>, tensor<2x8xi4> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

func.func @empty(%x: tensor<0x8xi8>) -> tensor<0x2xi32> {
  %w = arith.constant dense<1> : tensor<2x8xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: it is empty (M = 0, N = 2, K = 8)}}
  %r = quantc.matmul %x, %w : tensor<0x8xi8>, tensor<2x8xi8> -> tensor<0x2xi32>
  return %r : tensor<0x2xi32>
}

// -----

func.func @huge_weight(%x: tensor<1x60000xi8>) -> tensor<1x40000xi32> {
  %w = arith.constant dense<1> : tensor<40000x60000xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its 40000 x 60000 weight is too large to pack at compile time}}
  %r = quantc.matmul %x, %w : tensor<1x60000xi8>, tensor<40000x60000xi8> -> tensor<1x40000xi32>
  return %r : tensor<1x40000xi32>
}

// -----

func.func @other_users(%x: tensor<4x8xi8>, %xs: tensor<4x1xf32>) -> (tensor<4x16xf32>, tensor<4x16xi32>) {
  %w = arith.constant dense<1> : tensor<16x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x16xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: the accumulator has other users}}
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y, %acc : tensor<4x16xf32>, tensor<4x16xi32>
}

// -----

func.func @block(%x: tensor<4x8xi8>, %xs: tensor<2x1xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1> : tensor<16x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x16xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: x_scale 'tensor<2x1xf32>' is read as a block broadcast, which the kernels do not take}}
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xi32>, tensor<2x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @f16_scale(%x: tensor<4x8xi8>, %xs: tensor<4x1xf16>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1> : tensor<16x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x16xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: x_scale is 'tensor<4x1xf16>', not f32}}
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf16>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @f16_result(%x: tensor<4x8xi8>, %xs: tensor<4x1xf32>) -> tensor<4x16xf16> {
  %w = arith.constant dense<1> : tensor<16x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x16xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: the kernels write f32, or integers of at most 32 bits when requantizing, not 'f16'}}
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf16>
  return %y : tensor<4x16xf16>
}

// -----

// A run-time rhs stored [K, N] is packed from that layout (a weight_kn plan,
// runtime-weight-kn.mlir): no copy, no remark.
func.func @transposed_rhs(%x: tensor<4x5xi8>, %w: tensor<5x2xi8>) -> tensor<4x2xi32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<4x5xi8>, tensor<5x2xi8> -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// 1-3 rows: the decode kernel reads the transposed rhs in place ([K, N],
// N contiguous): no copy, no remark.
func.func @transposed_rhs_decode(%x: tensor<3x5xi8>, %w: tensor<5x2xi8>) -> tensor<3x2xi32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<3x5xi8>, tensor<5x2xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

func.func @transposed_lhs(%x: tensor<5x3xi8>, %w: tensor<2x5xi8>) -> tensor<3x2xi32> {
  // expected-remark @+1 {{the avx512-vnni kernel reads a [..., N, C] lhs and a [..., D, C] rhs: the transposed lhs is copied into that layout on every call}}
  %r = quantc.matmul %x, %w {transpose_lhs} : tensor<5x3xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

func.func @broadcast_rhs(%x: tensor<4x3x5xi8>, %w: tensor<2x5xi8>, %xs: tensor<4x3x1xf32>, %ws: tensor<1x1x2xf32>) -> tensor<4x3x2xf32> {
  // A weight broadcast over the batch: one 2-D GEMM over the 12 rows, and
  // its rescale (operands per row of every batch, per column) flattened with
  // it and fused: no remark.
  %r = quantc.matmul %x, %w : tensor<4x3x5xi8>, tensor<2x5xi8> -> tensor<4x3x2xi32>
  %y = quantc.rescale %r, %xs, %ws : (tensor<4x3x2xi32>, tensor<4x3x1xf32>, tensor<1x1x2xf32>) -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}

// -----

func.func @broadcast_rhs_rows_only(%x: tensor<4x3x5xi8>, %w: tensor<2x5xi8>, %xs: tensor<1x3x1xf32>, %ws: tensor<1x1x2xf32>) -> tensor<4x3x2xf32> {
  %r = quantc.matmul %x, %w : tensor<4x3x5xi8>, tensor<2x5xi8> -> tensor<4x3x2xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: the GEMM's weight is broadcast over the batch, which runs as one 2-D GEMM over the batch's rows, and the rescale's operands do not flatten with it (they vary along the batch or the rows alone)}}
  %y = quantc.rescale %r, %xs, %ws : (tensor<4x3x2xi32>, tensor<1x3x1xf32>, tensor<1x1x2xf32>) -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}

// -----

// A 2-D weight over a batch of dynamic size whose rows do not collapse into
// one GEMM's rows without a copy (a slice of some rows of each batch); the
// contiguous ones take the kernels (broadcast-dynamic-batch.mlir, with the
// fuzz finding's input).
func.func @broadcast_weight_dynamic_batch(%x: tensor<2x?x128xi8>, %w: tensor<256x128xi8>, %n: index) -> tensor<2x?x256xi32> {
  %s = tensor.extract_slice %x[0, 1, 0] [2, %n, 128] [1, 1, 1] : tensor<2x?x128xi8> to tensor<2x?x128xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its 2-D weight is broadcast over a batch of dynamic size, whose rows do not collapse into the rows of one GEMM without a copy: it is a tensor.extract_slice that does not take whole rows (all M) of every batch with unit strides}}
  %acc = quantc.matmul %s, %w : tensor<2x?x128xi8>, tensor<256x128xi8> -> tensor<2x?x256xi32>
  return %acc : tensor<2x?x256xi32>
}
