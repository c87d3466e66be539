// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86 -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86="isa=avx2" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=AVX2
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86="dot-max-m=0" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NODOT
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86="parallel-min-macs=100" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PAR

// A zero-filled linalg.matmul: flat buffers of A and B, a fresh output, the
// panel range [0, 2) (70 columns: one panel of 64 and a tail), and a
// kernel that never reads the init.
// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[A:.+]]: tensor<7x20xf32>, %[[B:.+]]: tensor<20x70xf32>)
// CHECK-NOT: linalg.matmul
// Each call's buffers are tagged with it (CSE keeps them apart: flatBuffer).
// CHECK: %[[AB:.+]] = bufferization.to_buffer %[[A]] read_only {quantc.kernel_call = 0 : i64} : tensor<7x20xf32> to memref<7x20xf32>
// CHECK: %[[AF:.+]] = memref.collapse_shape %[[AB]] {{\[\[}}0, 1]] : memref<7x20xf32> into memref<140xf32>
// CHECK: %[[BB:.+]] = bufferization.to_buffer %[[B]] read_only {quantc.kernel_call = 0 : i64} : tensor<20x70xf32> to memref<20x70xf32>
// CHECK: %[[BF:.+]] = memref.collapse_shape %[[BB]]
// CHECK: %[[O:.+]] = memref.alloc() {alignment = 64 : i64} : memref<7x70xf32>
// CHECK: %[[OF:.+]] = memref.collapse_shape %[[O]] {{\[\[}}0, 1]] : memref<7x70xf32> into memref<490xf32>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK: call @[[K:__quantc_x86_sgemm[_0-9]*]](%[[AF]], %[[BF]], %[[OF]], %[[C0]], %[[C0]], %[[C0]], %[[C0]], %[[C2]]) : (memref<140xf32>, memref<1400xf32>, memref<490xf32>, index, index, index, index, index) -> ()
// CHECK: %[[R:.+]] = bufferization.to_tensor %[[O]] restrict writable : memref<7x70xf32> to tensor<7x70xf32>
// CHECK: return %[[R]]
// The kernel: internal, operands noalias, not parallel (below the
// threshold); the packed A block [7][K padded by a vector] and B block
// [2 panels][K][64].
// CHECK: func.func private @[[K]](%{{.+}}: memref<140xf32> {llvm.noalias}, %{{.+}}: memref<1400xf32> {llvm.noalias}, %{{.+}}: memref<490xf32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = {{\[\[}}"probe-stack", "inline-asm"]]} {
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<7x48xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<2x20x64xf32>
// B rows are copied with vector loads; the tail panel's 6 columns masked.
// CHECK: vector.load %{{.+}} : memref<1400xf32>, vector<16xf32>
// CHECK: vector.constant_mask [6] : vector<16xi1>
// CHECK: vector.maskedload
// A rows: K = 20 is a vector and a masked 4.
// CHECK: vector.constant_mask [4] : vector<16xi1>
// The 6 x 4 register tile: K unrolled by 4, 24 FMAs per step.
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(
// CHECK-SAME: -> ({{(vector<16xf32>, ){23}vector<16xf32>}})
// CHECK-COUNT-96: vector.fma %{{.+}}, %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: scf.yield
// CHECK-COUNT-24: vector.store %{{.+}}, %{{.+}}[%{{.+}}] : memref<490xf32>, vector<16xf32>
// The row tail (7 = 6 + 1) and the column tail (70 = 64 + 6: one vector,
// stored with 6 lanes).
// CHECK: vector.maskedstore %{{.+}}[%{{.+}}], %{{.+}}, %{{.+}} : memref<490xf32>, vector<16xi1>, vector<16xf32>
// AVX2-LABEL: func.func @plain
// AVX2: func.func private @__quantc_x86_sgemm
// AVX2: memref.alloc() {alignment = 64 : i64} : memref<7x32xf32>
// AVX2: memref.alloc() {alignment = 64 : i64} : memref<5x20x16xf32>
// AVX2-COUNT-48: vector.fma %{{.+}}, %{{.+}}, %{{.+}} : vector<8xf32>
// PAR-LABEL: func.func @plain
// PAR: func.func private @__quantc_x86_sgemm{{.*}} attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = {{\[\[}}"probe-stack", "inline-asm"]], quantc.x86_parallel}
func.func @plain(%a: tensor<7x20xf32>, %b: tensor<20x70xf32>) -> tensor<7x70xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<7x70xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<7x70xf32>) -> tensor<7x70xf32>
  %r = linalg.matmul ins(%a, %b : tensor<7x20xf32>, tensor<20x70xf32>) outs(%f : tensor<7x70xf32>) -> tensor<7x70xf32>
  return %r : tensor<7x70xf32>
}

// -----

// An init that is not zero is accumulated into: the kernel reads it (in the
// first K block, K = 600 > kc = 256: the others start at the output; M = 40
// is above the rows that take longer K blocks). B is
// [n, k] (transposed maps): packed by 16 x 16 transposes in registers.
// A f16 operand is widened when packed. Two equal GEMMs share a kernel.
// CHECK-LABEL: func.func @accumulate
// CHECK-SAME: (%[[A:.+]]: tensor<40x600xf16>, %[[B:.+]]: tensor<20x600xf32>, %[[C:.+]]: tensor<40x20xf32>)
// CHECK: %[[CB:.+]] = bufferization.to_buffer %[[C]] read_only
// CHECK: %[[CF:.+]] = memref.collapse_shape %[[CB]]
// CHECK: call @[[K:__quantc_x86_sgemm[_0-9]*]](%{{.+}}, %{{.+}}, %[[CF]], %{{.+}}) : (memref<24000xf16>, memref<12000xf32>, memref<800xf32>, memref<800xf32>, index, index, index, index, index) -> ()
// CHECK: call @[[K]](
// CHECK-NOT: call
// CHECK: func.func private @[[K]]
// CHECK: arith.cmpi eq
// CHECK: vector.shuffle
// CHECK: arith.extf %{{.+}} : vector<16xf16> to vector<16xf32>
// CHECK: scf.if %{{.+}} -> (vector<16xf32>, vector<16xf32>
// CHECK: vector.maskedload %arg2
// CHECK: } else {
// CHECK: vector.maskedload %arg3
// CHECK-NOT: func.func private
func.func @accumulate(%a: tensor<40x600xf16>, %b: tensor<20x600xf32>, %c: tensor<40x20xf32>) -> (tensor<40x20xf32>, tensor<40x20xf32>) {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%a, %b : tensor<40x600xf16>, tensor<20x600xf32>) outs(%c : tensor<40x20xf32>) -> tensor<40x20xf32>
  %r2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%a, %b : tensor<40x600xf16>, tensor<20x600xf32>) outs(%r : tensor<40x20xf32>) -> tensor<40x20xf32>
  return %r, %r2 : tensor<40x20xf32>, tensor<40x20xf32>
}

// -----

// Batches: a loop of kernel calls at the batches' offsets (A 7 * 5, B
// 5 * 9, output 7 * 9 elements apart).
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %[[C3]]
// CHECK-DAG: %[[OA:.+]] = arith.muli %[[I]], %{{.+}}
// CHECK-DAG: %[[OB:.+]] = arith.muli %[[I]], %{{.+}}
// CHECK-DAG: %[[OO:.+]] = arith.muli %[[I]], %{{.+}}
// CHECK: call @__quantc_x86_sgemm(%{{.+}}, %{{.+}}, %{{.+}}, %[[OA]], %[[OB]], %[[OO]], %{{.+}}, %{{.+}}) : (memref<105xf32>, memref<135xf32>, memref<189xf32>, index, index, index, index, index) -> ()
func.func @batched(%a: tensor<3x7x5xf32>, %b: tensor<3x5x9xf32>) -> tensor<3x7x9xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x7x9xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<3x7x9xf32>) -> tensor<3x7x9xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x7x5xf32>, tensor<3x5x9xf32>) outs(%f : tensor<3x7x9xf32>) -> tensor<3x7x9xf32>
  return %r : tensor<3x7x9xf32>
}

// -----

// A shared 2-D B under batches of A that continue its rows: one GEMM of
// 3 * 7 rows, no batch loop.
// CHECK-LABEL: func.func @broadcast_rhs
// CHECK-NOT: scf.for
// CHECK: call @__quantc_x86_sgemm
// CHECK-NOT: scf.for
// CHECK: return
// CHECK: func.func private @__quantc_x86_sgemm
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<21x32xf32>
func.func @broadcast_rhs(%a: tensor<3x7x5xbf16>, %b: tensor<5x9xbf16>) -> tensor<3x7x9xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x7x9xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<3x7x9xf32>) -> tensor<3x7x9xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%a, %b : tensor<3x7x5xbf16>, tensor<5x9xbf16>) outs(%f : tensor<3x7x9xf32>) -> tensor<3x7x9xf32>
  return %r : tensor<3x7x9xf32>
}

// -----

// Few rows (16 < M <= 32, above dot-max-m) and a B stored [n, k]:
// bandwidth-bound, K taken in one block (longer streams along each B row):
// B block [1 panel][600][64], no K-block loop (no first-block test).
// CHECK-LABEL: func.func @small_m_transposed_b
// CHECK: func.func private @__quantc_x86_sgemm
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<20x624xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<1x600x64xf32>
// CHECK-NOT: arith.cmpi eq
// CHECK: return
func.func @small_m_transposed_b(%a: tensor<20x600xf32>, %b: tensor<20x600xf32>, %c: tensor<20x20xf32>) -> tensor<20x20xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%a, %b : tensor<20x600xf32>, tensor<20x600xf32>) outs(%c : tensor<20x20xf32>) -> tensor<20x20xf32>
  return %r : tensor<20x20xf32>
}

// -----

// At most dot-max-m = 16 rows and A, B both contiguous along K: the
// dot-product kernel, no packing. 20 columns: 3 tiles of 6 B rows and a
// tail of 2 ([0, 4) "panels"); 7 rows: a tile of 4 and a tail of 3; K =
// 600: blocks of dot-kc = 256 accumulated in a [7][6][16] scratch of
// partial sums (zeroed first), the last block (88 = 4 x 16, 16 and a masked
// 8) reduced: each accumulator once (reassociated), C added, one element
// stored.
// CHECK-LABEL: func.func @dot
// CHECK: %[[C4:.+]] = arith.constant 4 : index
// CHECK: call @[[K:__quantc_x86_sgemm[_0-9]*]](%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[C4]])
// CHECK: func.func private @[[K]]
// CHECK: %[[S:.+]] = memref.alloc() {alignment = 64 : i64} : memref<7x6x16xf32>
// CHECK-NOT: memref.alloc
// CHECK-COUNT-6: vector.store %{{.+}}, %[[S]]
// CHECK: scf.for %{{.+}} = %{{.+}} to %c512 step %c256 {
// CHECK-COUNT-24: vector.load %[[S]]
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(
// CHECK-SAME: -> ({{(vector<16xf32>, ){23}vector<16xf32>}})
// CHECK-COUNT-96: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-24: vector.store %{{.+}}, %[[S]]
// The last K block.
// CHECK: vector.constant_mask [8] : vector<16xi1>
// CHECK-COUNT-24: vector.fma
// CHECK: vector.reduction <add>, %{{.+}} fastmath<reassoc> : vector<16xf32> into f32
// CHECK: memref.load %arg2
// CHECK: arith.addf
// CHECK: memref.store
// The 2-column tail tile, under its panel test, its 3-row tail tile.
// CHECK: scf.if
// CHECK: -> ({{(vector<16xf32>, ){5}vector<16xf32>}})
// CHECK-NOT: memref.alloc
// CHECK: return
// The option: dot-max-m=0 packs instead.
// NODOT-LABEL: func.func @dot
// NODOT: func.func private @__quantc_x86_sgemm
// NODOT: memref.alloc() {alignment = 64 : i64} : memref<7x624xf32>
func.func @dot(%a: tensor<7x600xf32>, %b: tensor<20x600xf32>, %c: tensor<7x20xf32>) -> tensor<7x20xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%a, %b : tensor<7x600xf32>, tensor<20x600xf32>) outs(%c : tensor<7x20xf32>) -> tensor<7x20xf32>
  return %r : tensor<7x20xf32>
}
