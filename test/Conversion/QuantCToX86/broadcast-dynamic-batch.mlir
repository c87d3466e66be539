// A 2-D weight broadcast over a batch of dynamic size (issue 16 item 1): the
// batch's rows [B, M, K] collapse (tensor.collapse_shape, a view of the
// contiguous rows) into the run-time M of one 2-D GEMM, which runs in row
// chunks (lowerDynamicRows); the result expands back to [B, M, N]. Rows that
// do not collapse without a copy keep the reference lowering, with a remark
// that says why.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=0" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=OMP

// The fuzz regression's input (test/fuzz/regressions/
// broadcast-weight-dynamic-batch: a small_m plan with a dynamic M used to
// hang quantc-opt): a run-time weight, read in place; chunks of 128 rows,
// then of 16, then the last rows on a zero-padded 16-row tile.
// CHECK-LABEL: func.func @linear_3d
// CHECK-DAG: %[[B1:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x?x128xi8> into tensor<?x128xi8>
// CHECK: %[[A:.*]] = bufferization.to_buffer %[[FLAT]] read_only {{.*}} : tensor<?x128xi8> to memref<?x128xi8, strided<[?, 1], offset: ?>>
// CHECK: %[[W:.*]] = bufferization.to_buffer %arg1 read_only {{.*}} : tensor<256x128xi8> to memref<256x128xi8, strided<[?, 1], offset: ?>>
// CHECK: %[[M:.*]] = memref.dim %[[A]], %c0
// CHECK: %[[OUT:.*]] = memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x256xi32>
// CHECK: scf.for %{{.*}} step %c128
// CHECK: memref.subview %[[A]][%{{.*}}, 0] [128, 128] [1, 1]
// CHECK: func.call @[[BIG:__quantc_x86_gemm[_0-9]*]](%{{.*}}, %[[W]], %{{.*}}, %{{.*}}, %{{.*}}) : (memref<128x128xi8, strided<[?, 1], offset: ?>>, memref<256x128xi8, strided<[?, 1], offset: ?>>, memref<128x256xi32, strided<[?, 1], offset: ?>>, index, index) -> ()
// CHECK: scf.for %{{.*}} step %c16
// CHECK: func.call @[[TILE:__quantc_x86_gemm[_0-9]*]](%{{.*}}, %[[W]], %{{.*}}, %{{.*}}, %{{.*}}) : (memref<16x128xi8
// CHECK: scf.if
// CHECK: func.call @[[TILE]](
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[OUT]]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[T]] {{\[\[}}0, 1], [2]] output_shape [2, %[[B1]], 256] : tensor<?x256xi32> into tensor<2x?x256xi32>
// CHECK: return %[[R]]
// CHECK: func.func private @[[BIG]](
// CHECK-SAME: m = 128, n = 256, k = 128
// CHECK-SAME: runtime_weight = true
// CHECK: func.func private @[[TILE]](
// CHECK-SAME: m = 16, n = 256, k = 128
// CHECK-SAME: runtime_weight = true, small_m = true
// OMP-LABEL: func.func @linear_3d
// OMP: func.func private @__quantc_x86_gemm(
// OMP-SAME: parallel = true
func.func @linear_3d(%x: tensor<2x?x128xi8>, %w: tensor<256x128xi8>) -> tensor<2x?x256xi32> {
  %acc = quantc.matmul %x, %w : tensor<2x?x128xi8>, tensor<256x128xi8> -> tensor<2x?x256xi32>
  return %acc : tensor<2x?x256xi32>
}

// -----

// Batch and M both dynamic, a constant weight (packed at compile time), a
// per-token x_scale [B, M, 1] and a residual [B, M, N]: they collapse with
// the GEMM (tensor.collapse_shape), its kernels fuse the rescale and slice
// them with the rows. The result's B and M, both dynamic, come back through
// a tensor.reshape (a memref.expand_shape of them would crash LLVM 22's
// --expand-strided-metadata).
// CHECK-LABEL: func.func @linear_scaled
// CHECK-DAG: %[[B0:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[B1:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<?x?x64xi8> into tensor<?x64xi8>
// CHECK-DAG: %[[XS:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2]] : tensor<?x?x1xf32> into tensor<?x1xf32>
// CHECK-DAG: %[[RES:.*]] = tensor.collapse_shape %arg2 {{\[\[}}0, 1], [2]] : tensor<?x?x32xf32> into tensor<?x32xf32>
// CHECK: memref.get_global @__quantc_x86_w
// CHECK: scf.for %{{.*}} step %c128
// CHECK: func.call @[[BIG:__quantc_x86_gemm[_0-9]*]]({{.*}}) : (memref<128x64xi8, strided<[?, 1], offset: ?>>, memref<{{.*}}>, memref<{{.*}}>, memref<128x1xf32, strided<[?, 1], offset: ?>>, memref<1x32xf32>, memref<128x32xf32, strided<[?, 1], offset: ?>>, memref<128x32xf32, strided<[?, 1], offset: ?>>, index, index) -> ()
// CHECK-NOT: quantc.rescale
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[B0]], %[[B1]], %c32 : tensor<3xindex>
// CHECK: tensor.reshape %{{.*}}(%[[SHAPE]]) : (tensor<?x32xf32>, tensor<3xindex>) -> tensor<?x?x32xf32>
// CHECK: func.func private @[[BIG]](
// CHECK-SAME: m = 128, n = 32, k = 64
// CHECK-SAME: parallel = false, emulate = false>
func.func @linear_scaled(%x: tensor<?x?x64xi8>, %xs: tensor<?x?x1xf32>, %res: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %w = arith.constant dense<5> : tensor<32x64xi8>
  %ws = arith.constant dense<0.5> : tensor<1x1x32xf32>
  %acc = quantc.matmul %x, %w : tensor<?x?x64xi8>, tensor<32x64xi8> -> tensor<?x?x32xi32>
  %y = quantc.rescale %acc, %xs, %ws residual %res : (tensor<?x?x32xi32>, tensor<?x?x1xf32>, tensor<1x1x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// A slice that takes whole rows of some batches is contiguous: read in
// place as rows [1 * M, 3 * M) of the collapsed source (collapsing the slice
// itself would be copied by bufferization: its batch stride is dynamic).
// CHECK-LABEL: func.func @batch_slice
// CHECK: %[[C:.+]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<4x?x64xi8> into tensor<?x64xi8>
// CHECK: %[[R:.+]] = affine.apply #{{.+}}()[%[[M:.+]]]
// CHECK: tensor.extract_slice %[[C]][%[[M]], 0] [%[[R]], 64] [1, 1] : tensor<?x64xi8> to tensor<?x64xi8>
// CHECK: func.call @__quantc_x86_gemm
func.func @batch_slice(%x: tensor<4x?x64xi8>, %w: tensor<32x64xi8>) -> tensor<2x?x32xi32> {
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c1 : tensor<4x?x64xi8>
  %s = tensor.extract_slice %x[1, 0, 0] [2, %m, 64] [1, 1, 1] : tensor<4x?x64xi8> to tensor<2x?x64xi8>
  %acc = quantc.matmul %s, %w : tensor<2x?x64xi8>, tensor<32x64xi8> -> tensor<2x?x32xi32>
  return %acc : tensor<2x?x32xi32>
}

// -----

// A slice of whole batches that takes a chunk of K (--quantc-split-k of a
// dynamic K) keeps its columns: rows [0, 6) and columns [off, off + 64) of
// the collapsed source. Before, the columns were the source's whole K, and
// the slice's static type (6x64) did not match its dynamic size: invalid IR.
// CHECK-LABEL: func.func @k_chunk
// CHECK: %[[C:.+]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<3x2x?xi8> into tensor<6x?xi8>
// CHECK: tensor.extract_slice %[[C]][0, %arg2] [6, 64] [1, 1] : tensor<6x?xi8> to tensor<6x64xi8>
// CHECK: call @__quantc_x86_gemm
// CHECK-LABEL: func.func @k_chunk_dynamic
// CHECK: %[[C:.+]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<3x2x?xi8> into tensor<6x?xi8>
// CHECK: tensor.extract_slice %[[C]][0, %arg2] [6, %arg3] [1, 1] : tensor<6x?xi8> to tensor<6x?xi8>
func.func @k_chunk(%x: tensor<3x2x?xi8>, %w: tensor<4x?xi8>, %off: index) -> tensor<3x2x4xi32> {
  %xs = tensor.extract_slice %x[0, 0, %off] [3, 2, 64] [1, 1, 1] : tensor<3x2x?xi8> to tensor<3x2x64xi8>
  %ws = tensor.extract_slice %w[0, %off] [4, 64] [1, 1] : tensor<4x?xi8> to tensor<4x64xi8>
  %acc = quantc.matmul %xs, %ws : tensor<3x2x64xi8>, tensor<4x64xi8> -> tensor<3x2x4xi32>
  return %acc : tensor<3x2x4xi32>
}
func.func @k_chunk_dynamic(%x: tensor<3x2x?xi8>, %w: tensor<4x?xi8>, %off: index, %n: index) -> tensor<3x2x4xi32> {
  %xs = tensor.extract_slice %x[0, 0, %off] [3, 2, %n] [1, 1, 1] : tensor<3x2x?xi8> to tensor<3x2x?xi8>
  %ws = tensor.extract_slice %w[0, %off] [4, %n] [1, 1] : tensor<4x?xi8> to tensor<4x?xi8>
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 6 x 4 x 256 (M x N x K; its sizes are dynamic)}}
  %acc = quantc.matmul %xs, %ws : tensor<3x2x?xi8>, tensor<4x?xi8> -> tensor<3x2x4xi32>
  return %acc : tensor<3x2x4xi32>
}

// -----

// A slice of some rows of each batch is not contiguous: collapsing it would
// copy it, so it stays on the reference lowering, saying why.
// CHECK-LABEL: func.func @row_slice
// CHECK: quantc.matmul
func.func @row_slice(%x: tensor<2x?x64xi8>, %w: tensor<32x64xi8>, %n: index) -> tensor<2x?x32xi32> {
  %s = tensor.extract_slice %x[0, 0, 0] [2, %n, 64] [1, 1, 1] : tensor<2x?x64xi8> to tensor<2x?x64xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its 2-D weight is broadcast over a batch of dynamic size, whose rows do not collapse into the rows of one GEMM without a copy: it is a tensor.extract_slice that does not take whole rows (all M) of every batch with unit strides}}
  %acc = quantc.matmul %s, %w : tensor<2x?x64xi8>, tensor<32x64xi8> -> tensor<2x?x32xi32>
  return %acc : tensor<2x?x32xi32>
}

// -----

// A buffer whose batch stride is not M rows (a view of a larger buffer).
// CHECK-LABEL: func.func @strided_buffer
// CHECK: quantc.matmul
func.func @strided_buffer(%buf: memref<2x?x64xi8, strided<[?, 64, 1]>>, %w: tensor<32x64xi8>) -> tensor<2x?x32xi32> {
  %x = bufferization.to_tensor %buf restrict : memref<2x?x64xi8, strided<[?, 64, 1]>> to tensor<2x?x64xi8>
  // expected-remark @+1 {{whose rows do not collapse into the rows of one GEMM without a copy: its buffer's layout (memref<2x?x64xi8, strided<[?, 64, 1]>>) does not collapse B x M}}
  %acc = quantc.matmul %x, %w : tensor<2x?x64xi8>, tensor<32x64xi8> -> tensor<2x?x32xi32>
  return %acc : tensor<2x?x32xi32>
}

// -----

// A transposed lhs [B, K, M] is copied into the kernels' layout first (with
// the copy's remark), then collapsed.
// CHECK-LABEL: func.func @lhs_t
// CHECK: linalg.transpose
// CHECK: tensor.collapse_shape
// CHECK: func.call @__quantc_x86_gemm
func.func @lhs_t(%x: tensor<2x64x?xi8>, %w: tensor<32x64xi8>) -> tensor<2x?x32xi32> {
  // expected-remark @+1 {{the avx512-vnni kernel reads a [..., N, C] lhs and a [..., D, C] rhs: the transposed lhs is copied into that layout on every call}}
  %acc = quantc.matmul %x, %w {transpose_lhs} : tensor<2x64x?xi8>, tensor<32x64xi8> -> tensor<2x?x32xi32>
  return %acc : tensor<2x?x32xi32>
}

// -----

// K dynamic too: the collapsed 2-D GEMM takes the dynamic-size blocks.
// CHECK-LABEL: func.func @dynamic_k
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<3x?x?xi8> into tensor<?x?xi8>
// CHECK: call @__quantc_x86_gemm_batch
func.func @dynamic_k(%x: tensor<3x?x?xi8>, %w: tensor<32x?xi8>) -> tensor<3x?x32xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 64 x 32 x 256 (M x N x K; its sizes are dynamic): the blocks at the edges run on zero-padded copies}}
  %acc = quantc.matmul %x, %w : tensor<3x?x?xi8>, tensor<32x?xi8> -> tensor<3x?x32xi32>
  return %acc : tensor<3x?x32xi32>
}

// -----

// The 2-D GEMMs of a dynamic N or K split their (batch, column block) pairs
// across the threads: the pair function's plan is parallel, its blocks'
// kernel serial; single-threaded below the threshold.
// CHECK-LABEL: func.func @dynamic_n_2d
// CHECK: func.func private @__quantc_x86_gemm_batch(
// CHECK-SAME: parallel = false
// OMP-LABEL: func.func @dynamic_n_2d
// OMP: %[[CB:.*]] = arith.ceildivui %{{.*}}, %c64
// OMP: %[[PAIRS:.*]] = arith.muli %{{.*}}, %[[CB]]
// OMP: call @__quantc_x86_gemm_batch(%{{.*}}, %{{.*}}, %{{.*}}, %c0, %[[PAIRS]])
// OMP: func.func private @__quantc_x86_gemm(
// OMP-SAME: parallel = false
// OMP: func.func private @__quantc_x86_gemm_batch(
// OMP-SAME: parallel = true
func.func @dynamic_n_2d(%x: tensor<100x96xi8>, %w: tensor<?x96xi8>) -> tensor<100x?xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni kernel in static blocks of 100 x 64 x 96}}
  %acc = quantc.matmul %x, %w : tensor<100x96xi8>, tensor<?x96xi8> -> tensor<100x?xi32>
  return %acc : tensor<100x?xi32>
}

// -----

// A batch of 0, or 0 rows per batch (an empty result), computes nothing:
// the rows are not collapsed, and the GEMM stays for the reference lowering.
// Before, the 0 x ? (? x 0) rows were collapsed for a kernel, and one-shot
// bufferization (--quantc-cpu-pipeline) failed with "'memref.collapse_shape'
// op collapsed dim (0) must be dynamic if and only if reassociation group is
// dynamic".
// CHECK-LABEL: func.func @empty_batch
// CHECK-NOT: tensor.collapse_shape
// CHECK: quantc.matmul %arg0, %arg1 : tensor<0x?x8xi8>, tensor<4x8xi8> -> tensor<0x?x4xi32>
// CHECK-LABEL: func.func @empty_rows
// CHECK-NOT: tensor.collapse_shape
// CHECK: quantc.matmul %arg0, %arg1 : tensor<?x0x8xi8>, tensor<4x8xi8> -> tensor<?x0x4xi32>
func.func @empty_batch(%x: tensor<0x?x8xi8>, %w: tensor<4x8xi8>) -> tensor<0x?x4xi32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its shape is dynamic}}
  %acc = quantc.matmul %x, %w : tensor<0x?x8xi8>, tensor<4x8xi8> -> tensor<0x?x4xi32>
  return %acc : tensor<0x?x4xi32>
}
func.func @empty_rows(%x: tensor<?x0x8xi8>, %w: tensor<4x8xi8>) -> tensor<?x0x4xi32> {
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its shape is dynamic}}
  %acc = quantc.matmul %x, %w : tensor<?x0x8xi8>, tensor<4x8xi8> -> tensor<?x0x4xi32>
  return %acc : tensor<?x0x4xi32>
}
