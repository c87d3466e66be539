// The decode kernel (DecodeKernel.h): quantc.matmul of at most 3 static rows
// against a run-time rhs with a run-time N, K or batch. The KV cache
// [L, H, D] is read in place through the frontend's linalg.transpose (a
// memref.transpose view, no copy), NT for K and NN for V.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics --canonicalize | FileCheck %s --check-prefix=NOCOPY
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=0" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PAR

// Q.K^T: the cache [L, H, D] as [H, L, D] (strides [D, H*D, 1]); K (= D)
// tails are masked, 16 rows of W (xor 0x80, the u8 operand) per panel
// against A's row (the rows 4 panels ahead prefetched), the outputs of a
// panel stored masked to N.
// CHECK-LABEL: func.func @qk
// CHECK: %[[KC:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK: %[[V:.*]] = memref.transpose %[[KC]] (d0, d1, d2) -> (d1, d0, d2) : memref<?x4x16xi8, strided<[?, ?, 1], offset: ?>> to memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>>
// CHECK: memref.cast %[[V]] : memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>> to memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>>
// The work units: batch x ceil(N / 256) column blocks.
// CHECK: %[[NB:.*]] = arith.ceildivui %{{.*}}, %c256
// CHECK: %[[UNITS:.*]] = arith.muli %{{.*}}, %[[NB]]
// CHECK: call @__quantc_x86_decode_gemm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[UNITS]])
// CHECK: func.func private @__quantc_x86_decode_gemm(%{{.*}}: memref<4x1x16xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: memref<4x1x?xi32, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: index, %{{.*}}: index)
// CHECK-NOT: quantc.x86_parallel
// CHECK: memref.dim %arg1, %c2
// CHECK: memref.dim %arg1, %c1
// CHECK: scf.for %[[U:.*]] = %arg3 to %arg4
// CHECK: %[[B:.*]] = arith.divui %[[U]]
// CHECK: arith.remui %[[U]]
// CHECK: vector.reduction <add>
// CHECK: scf.for
// CHECK-COUNT-16: arith.minsi
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK: vector.load %arg0[%[[B]], %c0{{.*}}, %{{.*}}] : {{.*}}, vector<64xi8>
// CHECK: quantc.x86.vpdpbusd
// CHECK: memref.prefetch %arg1
// CHECK-COUNT-15: quantc.x86.vpdpbusd
// CHECK: scf.if
// CHECK: vector.create_mask %{{.*}} : vector<64xi1>
// CHECK: vector.maskedload %arg0
// CHECK: vector.maskedload %arg1
// The output's mask: N - the column (create_mask clamps it to [0, 16]).
// CHECK: %[[LEFT:.*]] = arith.subi %dim_0, %{{.*}}
// CHECK: %[[M:.*]] = vector.create_mask %[[LEFT]] : vector<16xi1>
// CHECK: arith.subi
// CHECK: vector.maskedstore %arg2[%[[B]], %c0{{.*}}, %{{.*}}], %[[M]], %{{.*}} : memref<4x1x?xi32, strided<[?, ?, 1], offset: ?>>, vector<16xi1>, vector<16xi32>
// NOCOPY-LABEL: func.func @qk
// NOCOPY-NOT: linalg.transpose
// NOCOPY: return
// PAR-LABEL: func.func @qk
// PAR: func.func private @__quantc_x86_decode_gemm({{.*}}) attributes {{{.*}}quantc.x86_parallel
func.func @qk(%q: tensor<4x1x16xi8>, %kc: tensor<?x4x16xi8>) -> tensor<4x1x?xi32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x4x16xi8>
  %e = tensor.empty(%l) : tensor<4x?x16xi8>
  %t = linalg.transpose ins(%kc : tensor<?x4x16xi8>) outs(%e : tensor<4x?x16xi8>) permutation = [1, 0, 2]
  %r = quantc.matmul %q, %t : tensor<4x1x16xi8>, tensor<4x?x16xi8> -> tensor<4x1x?xi32>
  return %r : tensor<4x1x?xi32>
}

// -----

// P.V: the cache [L, H, D] as [H, L, D] = [batch, K, N] (NN); 4 rows of W
// interleaved by in-lane byte and word unpacks, each against a broadcast
// 4-byte word of A, rows 16 ahead prefetched; one chunk of 64 columns per
// pass over K (D = 16); the K % 4 tail masks whole rows.
// CHECK-LABEL: func.func @pv
// CHECK: memref.transpose %{{.*}} (d0, d1, d2) -> (d1, d0, d2) : memref<?x4x16xi8, strided<[?, ?, 1], offset: ?>> to memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>>
// CHECK: func.func private @__quantc_x86_decode_gemm
// CHECK: memref.dim %arg1, %c1
// CHECK: memref.dim %arg1, %c2
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c4
// CHECK: vector.load %arg0{{.*}} vector<4xi8>
// CHECK: vector.broadcast %{{.*}} : i32 to vector<16xi32>
// CHECK: vector.maskedload %arg1
// CHECK: memref.prefetch %arg1
// CHECK: vector.maskedload %arg1
// CHECK: vector.maskedload %arg1
// CHECK: vector.maskedload %arg1
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 64, 1, 65, 2, 66, 3, 67, 4, 68, 5, 69, 6, 70, 7, 71, 16, 80,
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [8, 72, 9, 73, 10, 74,
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 32, 1, 33, 2, 34, 3, 35, 8, 40,
// CHECK-COUNT-4: quantc.x86.vpdpbusd
// CHECK-NOT: quantc.x86.vpdpbusd
// CHECK: scf.yield
// CHECK: scf.if
// CHECK: vector.maskedload %arg0{{.*}} vector<4xi1>, vector<4xi8>
// CHECK: arith.select
// CHECK-COUNT-4: vector.maskedstore %arg2
// NOCOPY-LABEL: func.func @pv
// NOCOPY-NOT: linalg.transpose
// NOCOPY: return
func.func @pv(%p: tensor<4x1x?xi8>, %vc: tensor<?x4x16xi8>) -> tensor<4x1x16xi32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %vc, %c0 : tensor<?x4x16xi8>
  %e = tensor.empty(%l) : tensor<4x16x?xi8>
  %t = linalg.transpose ins(%vc : tensor<?x4x16xi8>) outs(%e : tensor<4x16x?xi8>) permutation = [1, 2, 0]
  %r = quantc.matmul %p, %t : tensor<4x1x?xi8>, tensor<4x16x?xi8> -> tensor<4x1x16xi32>
  return %r : tensor<4x1x16xi32>
}

// -----

// transpose_rhs: [B, K, N] read as it is (NN); everything but M dynamic;
// the rescale is fused: the kernel writes f32, its operands passed after
// the output. A dynamic N: one pass of 128 columns per work unit.
// CHECK-LABEL: func.func @nn_attr
// CHECK-NOT: memref.transpose
// CHECK-NOT: quantc.rescale
// CHECK: arith.ceildivui %{{.*}}, %c128
// CHECK: call @__quantc_x86_decode_gemm
// CHECK-NOT: quantc.rescale
// CHECK: func.func private @__quantc_x86_decode_gemm(%arg0: memref<?x2x?xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg1: memref<?x?x?xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg2: memref<?x2x?xf32, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg3: memref<?x2x1xf32, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg4: memref<1x1x1xf32, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg5: index, %arg6: index)
// CHECK: vector.shuffle
// The epilogue of one output vector: the per-token scale of (batch, row)
// and the scalar broadcast, f32 arithmetic, a masked f32 store.
// CHECK: %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: arith.subi
// CHECK: memref.load %arg3[%{{.*}}, %c0{{.*}}, %c0{{.*}}]
// CHECK: memref.load %arg4[%c0{{.*}}, %c0{{.*}}, %c0{{.*}}]
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: vector.maskedstore %arg2[%{{.*}}], %[[MASK]], %{{.*}} : memref<?x2x?xf32, strided<[?, ?, 1], offset: ?>>, vector<16xi1>, vector<16xf32>
func.func @nn_attr(%x: tensor<?x2x?xi8>, %w: tensor<?x?x?xi8>, %xs: tensor<?x2x1xf32>, %ws: tensor<1x1x1xf32>) -> tensor<?x2x?xf32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<?x2x?xi8>, tensor<?x?x?xi8> -> tensor<?x2x?xi32>
  %y = quantc.rescale %r, %xs, %ws : (tensor<?x2x?xi32>, tensor<?x2x1xf32>, tensor<1x1x1xf32>) -> tensor<?x2x?xf32>
  return %y : tensor<?x2x?xf32>
}

// -----

// The fused epilogue's other forms: per-head x per-(head, channel) scales,
// bias, requantization to i8 (column-varying operands: masked loads, 1.0
// in the lanes past N).
// CHECK-LABEL: func.func @requant
// CHECK-NOT: quantc.rescale
// CHECK: call @__quantc_x86_decode_gemm
// CHECK: func.func private @__quantc_x86_decode_gemm({{.*}}%arg2: memref<8x1x?xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg3: memref<8x1x1xf32, {{.*}}, %arg4: memref<8x1x?xf32, {{.*}}, %arg5: memref<1x1x?xf32, {{.*}}, %arg6: memref<1x1x1xf32,
// CHECK: %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: memref.load %arg3[%{{.*}}, %c0{{.*}}, %c0{{.*}}]
// CHECK: vector.maskedload %arg4[%{{.*}}, %c0{{.*}}, %{{.*}}], %[[MASK]], %cst{{.*}} : {{.*}} into vector<16xf32>
// CHECK: vector.maskedload %arg5[%c0{{.*}}, %c0{{.*}}, %{{.*}}], %[[MASK]]
// CHECK: math.roundeven
// CHECK: vector.maskedstore %arg2[{{.*}}], %[[MASK]], %{{.*}} : {{.*}}, vector<16xi1>, vector<16xi8>
func.func @requant(%q: tensor<8x1x64xi8>, %k: tensor<8x?x64xi8>, %qs: tensor<8x1x1xf32>, %ks: tensor<8x1x?xf32>, %b: tensor<1x1x?xf32>, %os: tensor<1x1x1xf32>) -> tensor<8x1x?xi8> {
  %r = quantc.matmul %q, %k : tensor<8x1x64xi8>, tensor<8x?x64xi8> -> tensor<8x1x?xi32>
  %y = quantc.rescale %r, %qs, %ks bias %b output_scale %os {qmin = -128 : i64, qmax = 127 : i64} : (tensor<8x1x?xi32>, tensor<8x1x1xf32>, tensor<8x1x?xf32>, tensor<1x1x?xf32>, tensor<1x1x1xf32>) -> tensor<8x1x?xi8>
  return %y : tensor<8x1x?xi8>
}

// -----

// An operand in blocks (one scale per 2 rows of W) is not read by the
// decode kernel: the rescale runs after it, with the reason.
// CHECK-LABEL: func.func @block_scale
// CHECK: call @__quantc_x86_decode_gemm
// CHECK: quantc.rescale
func.func @block_scale(%q: tensor<2x1x?xi8>, %k: tensor<2x?x8xi8>, %qs: tensor<2x1x1xf32>, %ks: tensor<2x1x4xf32>) -> tensor<2x1x8xf32> {
  %r = quantc.matmul %q, %k {transpose_rhs} : tensor<2x1x?xi8>, tensor<2x?x8xi8> -> tensor<2x1x8xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: w_scale 'tensor<2x1x4xf32>' is read as a block broadcast, which the kernels do not take}}
  %y = quantc.rescale %r, %qs, %ks : (tensor<2x1x8xi32>, tensor<2x1x1xf32>, tensor<2x1x4xf32>) -> tensor<2x1x8xf32>
  return %y : tensor<2x1x8xf32>
}

// -----

// 2-D with run-time N and K: the buffers get a unit batch; threads split
// its column blocks.
// CHECK-LABEL: func.func @flat
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [1, 3, %{{.*}}]
// CHECK: call @__quantc_x86_decode_gemm
// CHECK: func.func private @__quantc_x86_decode_gemm(%{{.*}}: memref<1x3x?xi8
// PAR-LABEL: func.func @flat
// PAR: func.func private @__quantc_x86_decode_gemm({{.*}}) attributes {{{.*}}quantc.x86_parallel
func.func @flat(%x: tensor<3x?xi8>, %w: tensor<?x?xi8>) -> tensor<3x?xi32> {
  %r = quantc.matmul %x, %w : tensor<3x?xi8>, tensor<?x?xi8> -> tensor<3x?xi32>
  return %r : tensor<3x?xi32>
}

// -----

// Zero points are corrected after the kernel, and the rescale after them.
// CHECK-LABEL: func.func @zero_points
// CHECK: call @__quantc_x86_decode_gemm
// CHECK: quantc.rescale
func.func @zero_points(%x: tensor<2x1x?xi8>, %w: tensor<2x5x?xi8>, %xs: tensor<2x1x1xf32>, %ws: tensor<1x1x5xf32>) -> tensor<2x1x5xf32> {
  %zx = arith.constant dense<3> : tensor<1x1x1xi32>
  // expected-remark @+1 {{the avx512-vnni decode kernel does not take zero points: they are corrected in i32 after it}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1x1xi32>) : tensor<2x1x?xi8>, tensor<2x5x?xi8> -> tensor<2x1x5xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: the zero points are corrected between them}}
  %y = quantc.rescale %r, %xs, %ws : (tensor<2x1x5xi32>, tensor<2x1x1xf32>, tensor<1x1x5xf32>) -> tensor<2x1x5xf32>
  return %y : tensor<2x1x5xf32>
}

// -----

// Four rows or more with a run-time K: not the decode kernel, the blocked
// kernel (lowerDynamicBatched), K in blocks of 256.
func.func @four_rows(%x: tensor<2x4x?xi8>, %w: tensor<2x5x?xi8>) -> tensor<2x4x5xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 4 x 5 x 256 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  %r = quantc.matmul %x, %w : tensor<2x4x?xi8>, tensor<2x5x?xi8> -> tensor<2x4x5xi32>
  return %r : tensor<2x4x5xi32>
}
