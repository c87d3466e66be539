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
// CHECK: %[[V:.*]] = memref.transpose %[[KC]] (d0, d1, d2) -> (d1, d0, d2) : memref<?x4x16xi8> to memref<4x?x16xi8, strided<[16, 64, 1]>>
// CHECK: memref.cast %[[V]] : memref<4x?x16xi8, strided<[16, 64, 1]>> to memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>>
// CHECK: call @__quantc_x86_decode_gemm(
// CHECK: func.func private @__quantc_x86_decode_gemm(%{{.*}}: memref<4x1x16xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: memref<4x?x16xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: memref<4x1x?xi32, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: index, %{{.*}}: index)
// CHECK-NOT: quantc.x86_parallel
// CHECK: scf.for %[[B:.*]] = %arg3 to %arg4
// CHECK: memref.dim %arg1, %c1
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
// CHECK: vector.maskedstore %arg2[%[[B]], %c0{{.*}}, %{{.*}}], %{{.*}} : memref<4x1x?xi32, strided<[?, ?, 1], offset: ?>>, vector<16xi1>, vector<16xi32>
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
// CHECK: memref.transpose %{{.*}} (d0, d1, d2) -> (d1, d0, d2) : memref<?x4x16xi8> to memref<4x?x16xi8, strided<[16, 64, 1]>>
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
// the rescale runs after the kernel, which writes i32.
// CHECK-LABEL: func.func @nn_attr
// CHECK-NOT: memref.transpose
// CHECK: call @__quantc_x86_decode_gemm
// CHECK: quantc.rescale
// CHECK: func.func private @__quantc_x86_decode_gemm(%arg0: memref<?x2x?xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg1: memref<?x?x?xi8, strided<[?, ?, 1], offset: ?>> {llvm.noalias}, %arg2: memref<?x2x?xi32,
// CHECK: vector.shuffle
func.func @nn_attr(%x: tensor<?x2x?xi8>, %w: tensor<?x?x?xi8>, %xs: tensor<?x2x1xf32>, %ws: tensor<1x1x1xf32>) -> tensor<?x2x?xf32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<?x2x?xi8>, tensor<?x?x?xi8> -> tensor<?x2x?xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: the decode kernel writes i32}}
  %y = quantc.rescale %r, %xs, %ws : (tensor<?x2x?xi32>, tensor<?x2x1xf32>, tensor<1x1x1xf32>) -> tensor<?x2x?xf32>
  return %y : tensor<?x2x?xf32>
}

// -----

// 2-D with run-time N and K: the buffers get a unit batch.
// CHECK-LABEL: func.func @flat
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [1, 3, %{{.*}}]
// CHECK: call @__quantc_x86_decode_gemm
// CHECK: func.func private @__quantc_x86_decode_gemm(%{{.*}}: memref<1x3x?xi8
// PAR-LABEL: func.func @flat
// PAR-NOT: quantc.x86_parallel
// PAR: return
func.func @flat(%x: tensor<3x?xi8>, %w: tensor<?x?xi8>) -> tensor<3x?xi32> {
  %r = quantc.matmul %x, %w : tensor<3x?xi8>, tensor<?x?xi8> -> tensor<3x?xi32>
  return %r : tensor<3x?xi32>
}

// -----

// Zero points are corrected after the kernel.
// CHECK-LABEL: func.func @zero_points
// CHECK: call @__quantc_x86_decode_gemm
func.func @zero_points(%x: tensor<2x1x?xi8>, %w: tensor<2x5x?xi8>) -> tensor<2x1x5xi32> {
  %zx = arith.constant dense<3> : tensor<1x1x1xi32>
  // expected-remark @+1 {{the avx512-vnni decode kernel does not take zero points: they are corrected in i32 after it}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1x1xi32>) : tensor<2x1x?xi8>, tensor<2x5x?xi8> -> tensor<2x1x5xi32>
  return %r : tensor<2x1x5xi32>
}

// -----

// Four rows or more with a run-time K: not the decode kernel, the blocked
// kernel (lowerDynamicBatched), K in blocks of 256.
func.func @four_rows(%x: tensor<2x4x?xi8>, %w: tensor<2x5x?xi8>) -> tensor<2x4x5xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 4 x 5 x 256 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  %r = quantc.matmul %x, %w : tensor<2x4x?xi8>, tensor<2x5x?xi8> -> tensor<2x4x5xi32>
  return %r : tensor<2x4x5xi32>
}
