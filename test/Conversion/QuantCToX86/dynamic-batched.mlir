// Rank-3 int8 GEMMs with a run-time batch, M, N or K (a dynamic-length
// prefill's attention) and more rows than the decode kernel takes: the
// kernel of one static block (64 x 64, K whole when static, 256 when
// dynamic) called over the blocks by a function of the batch range; the
// operands read in place through the linalg.transposes that make them.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics | FileCheck %s
// Threads split the (batch, column block) pairs: the batch function's plan
// is parallel (for --quantc-x86-outline-omp), its blocks' kernel serial.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=0" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=OMP
// isa=amx: the blocks of 64 rows take the tiles.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx" -split-input-file 2>&1 | FileCheck %s --check-prefix=AMX

// Q.K^T over the prompt: M = N = S, K = D = 64. K of the cache [S, H, D] is
// a strided view (no copy); whole blocks are views, edge blocks padded.
// CHECK-LABEL: func.func @qk
// CHECK: %[[KV:.*]] = memref.transpose %{{.*}} (d0, d1, d2) -> (d1, d0, d2) : memref<?x16x64xi8> to memref<16x?x64xi8, strided<[64, 1024, 1]>>
// CHECK: call @[[BATCH:__quantc_x86_gemm_batch[_0-9]*]](%{{.*}}, %[[KV]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: func.func private @[[KERNEL:__quantc_x86_gemm[_0-9]*]](%{{.*}}: memref<64x64xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: memref<64x64xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: memref<64x64xi32, strided<[?, 1], offset: ?>> {llvm.noalias}, %{{.*}}: index, %{{.*}}: index)
// CHECK-SAME: m = 64, n = 64, k = 64
// CHECK-SAME: runtime_weight = true
// CHECK: func.func private @[[BATCH]](
// CHECK-DAG: %[[PADA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x64xi8>
// CHECK-DAG: %[[PADW:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x64xi8>
// CHECK-DAG: %[[TILE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x64xi32>
// The range is of (batch, column block) pairs: batch-major.
// CHECK: %[[CB:.*]] = arith.ceildivui %{{.*}}, %c64
// CHECK: scf.for %[[T:.*]] = %arg3 to %arg4
// CHECK: %[[B:.*]] = arith.divui %[[T]], %[[CB]]
// CHECK: %[[NB:.*]] = arith.remui %[[T]], %[[CB]]
// CHECK: %[[N0:.*]] = arith.muli %[[NB]], %c64
// CHECK: scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %c64
// CHECK: scf.if
// CHECK: memref.subview %arg1[%[[B]], %[[N0]], %[[K0]]] [1, 64, 64]
// CHECK: } else {
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%[[PADW]]
// CHECK: scf.for %{{.*}} step %c64
// CHECK: memref.subview %arg0[%[[B]], %{{.*}}, %[[K0]]] [1, 64, 64]
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%[[PADA]]
// CHECK: memref.subview %arg2[%[[B]], %{{.*}}, %[[N0]]] [1, 64, 64]
// CHECK: func.call @[[KERNEL]](
// OMP-LABEL: func.func @qk
// OMP: func.func private @__quantc_x86_gemm(
// OMP-SAME: parallel = false
// OMP: func.func private @__quantc_x86_gemm_batch(
// OMP-SAME: parallel = true
// AMX: remark: runs on the amx kernel in static blocks of 64 x 64 x 64
// AMX: isa = amx, m = 64, n = 64, k = 64
func.func @qk(%q: tensor<16x?x64xi8>, %kc: tensor<?x16x64xi8>) -> tensor<16x?x?xi32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x16x64xi8>
  %e = tensor.empty(%l) : tensor<16x?x64xi8>
  %t = linalg.transpose ins(%kc : tensor<?x16x64xi8>) outs(%e : tensor<16x?x64xi8>) permutation = [1, 0, 2]
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 64 x 64 x 64 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  %r = quantc.matmul %q, %t : tensor<16x?x64xi8>, tensor<16x?x64xi8> -> tensor<16x?x?xi32>
  return %r : tensor<16x?x?xi32>
}

// -----

// P.V: K = S dynamic, in blocks of 256 added into the zeroed output; V
// [S, H, D] read through both transposes (the frontend's and transpose_rhs)
// as [H, D, S], K strided: copied per 64 x 256 block, once for all row
// blocks. The rescale runs after the GEMM.
// CHECK-LABEL: func.func @pv
// CHECK: memref.transpose %{{.*}} (d0, d1, d2) -> (d1, d2, d0) : memref<?x16x64xi8> to memref<16x64x?xi8, strided<[64, 1, 1024]>>
// CHECK: linalg.fill ins(%c0_i32 : i32) outs(%[[OUT:.*]] : memref<16x?x64xi32>)
// CHECK: call @__quantc_x86_gemm_batch
// CHECK: func.func private @[[KERNEL:__quantc_x86_gemm[_0-9]*]](
// CHECK-SAME: m = 64, n = 64, k = 256
// CHECK: func.func private @__quantc_x86_gemm_batch
// CHECK: scf.for %{{.*}} step %c256
// CHECK-NOT: scf.if
// CHECK: linalg.fill ins(%{{.*}} : i8)
// CHECK: scf.for %{{.*}} step %c64
// CHECK: func.call @[[KERNEL]](
// CHECK: arith.addi %{{.*}} : i32
func.func @pv(%p: tensor<16x?x?xi8>, %vc: tensor<?x16x64xi8>, %ps: tensor<16x?x1xf32>, %vs: tensor<16x1x64xf32>) -> tensor<16x?x64xf32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %vc, %c0 : tensor<?x16x64xi8>
  %e = tensor.empty(%l) : tensor<16x?x64xi8>
  %t = linalg.transpose ins(%vc : tensor<?x16x64xi8>) outs(%e : tensor<16x?x64xi8>) permutation = [1, 0, 2]
  // expected-remark @+2 {{runs on the avx512-vnni kernel in static blocks of 64 x 64 x 256 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  // expected-remark @+1 {{its rhs is read in place with K strided: each 64 x 256 block of it is copied (transposed) before packing}}
  %r = quantc.matmul %p, %t {transpose_rhs} : tensor<16x?x?xi8>, tensor<16x?x64xi8> -> tensor<16x?x64xi32>
  // expected-remark @+1 {{runs after the avx512-vnni GEMM, not fused into its kernel: the GEMM is batched}}
  %y = quantc.rescale %r, %ps, %vs : (tensor<16x?x64xi32>, tensor<16x?x1xf32>, tensor<16x1x64xf32>) -> tensor<16x?x64xf32>
  return %y : tensor<16x?x64xf32>
}

// -----

// A static M above 256 rows takes blocks of 64; a transposed lhs [B, K, M]
// is read in place, K strided: copied per block.
// CHECK-LABEL: func.func @tall_lhs_t
// CHECK: memref.transpose %{{.*}} (d0, d1, d2) -> (d0, d2, d1)
// CHECK: m = 64, n = 8, k = 256
func.func @tall_lhs_t(%x: tensor<2x?x300xi8>, %w: tensor<2x8x?xi8>) -> tensor<2x300x8xi32> {
  // expected-remark @+2 {{runs on the avx512-vnni kernel in static blocks of 64 x 8 x 256 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  // expected-remark @+1 {{its lhs is read in place with K strided: each 64 x 256 block of it is copied (transposed) before packing}}
  %r = quantc.matmul %x, %w {transpose_lhs} : tensor<2x?x300xi8>, tensor<2x8x?xi8> -> tensor<2x300x8xi32>
  return %r : tensor<2x300x8xi32>
}

// -----

// An empty static M: refused with the reason, as a static GEMM would be
// (N is the block of the dynamic N).
func.func @empty(%x: tensor<2x0x8xi8>, %w: tensor<2x?x8xi8>) -> tensor<2x0x?xi32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: it is empty (batch = 2, M = 0, N = 64, K = 8)}}
  %r = quantc.matmul %x, %w : tensor<2x0x8xi8>, tensor<2x?x8xi8> -> tensor<2x0x?xi32>
  return %r : tensor<2x0x?xi32>
}
