// A run-time token count (M) and batch count take the FMA kernels: the kernel
// gets M as an operand, loops over M blocks to it and selects the M mod mr
// tail tile at run time; the result is allocated with the run-time extents.
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86 -split-input-file -verify-diagnostics -canonicalize | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-float-contractions-to-x86="parallel-min-macs=0" -split-input-file -verify-diagnostics -canonicalize | FileCheck %s --check-prefix=PAR

// The call: rows = the init's extent; at least 16 Mi multiply-adds (11984
// rows of 20 x 70) run on the OpenMP team, fewer serially.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[A:.+]]: tensor<?x20xf32>, %[[B:.+]]: tensor<20x70xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: %[[M:.+]] = tensor.dim %[[A]], %{{.+}} : tensor<?x20xf32>
// CHECK: %[[O:.+]] = memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x70xf32>
// CHECK: %[[OF:.+]] = memref.collapse_shape %[[O]] {{\[\[}}0, 1]] : memref<?x70xf32> into memref<?xf32>
// CHECK: %[[BIG:.+]] = arith.cmpi sge, %[[M]], %c11984 : index
// CHECK: scf.if %[[BIG]] {
// CHECK: func.call @[[KP:__quantc_x86_sgemm[_0-9]*]](%{{.+}}, %{{.+}}, %[[OF]], %[[M]], %{{.+}}) : (memref<?xf32>, memref<1400xf32>, memref<?xf32>, index, index, index, index, index, index) -> ()
// CHECK: } else {
// CHECK: func.call @[[KS:__quantc_x86_sgemm[_0-9]*]](%{{.+}}, %{{.+}}, %[[OF]], %[[M]], %{{.+}})
// CHECK: bufferization.to_tensor %[[O]] restrict writable : memref<?x70xf32> to tensor<?x70xf32>
// The serial kernel: nothing for M = 0; A scratch of min(M, 480) rows; M
// blocks of 480 to the run-time M; whole 6-row tiles, then the tail of
// 1..5 rows by scf.index_switch (for the full panel and the tail panel).
// CHECK: func.func private @[[KS]](%{{.+}}: memref<?xf32> {llvm.noalias}, %{{.+}}: memref<1400xf32> {llvm.noalias}, %{{.+}}: memref<?xf32> {llvm.noalias}, %[[KM:.+]]: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = {{\[\[}}"probe-stack", "inline-asm"]]} {
// CHECK: %[[ANY:.+]] = arith.cmpi sgt, %[[KM]], %c0 : index
// CHECK: scf.if %[[ANY]] {
// CHECK: %[[ROWS:.+]] = arith.minsi %[[KM]], %c480 : index
// CHECK: memref.alloc(%[[ROWS]]) {alignment = 64 : i64} : memref<?x48xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<2x20x64xf32>
// CHECK: scf.for %[[IC:.+]] = %c0 to %[[KM]] step %c480 {
// CHECK: %[[LEFT:.+]] = arith.subi %[[KM]], %[[IC]] : index
// CHECK: %[[MCUR:.+]] = arith.minsi %[[LEFT]], %c480 : index
// CHECK: %[[T:.+]] = arith.divui %[[MCUR]], %c6 : index
// CHECK: %[[WHOLE:.+]] = arith.muli %[[T]], %c6 : index
// CHECK: scf.for %{{.+}} = %c0 to %[[WHOLE]] step %c6 {
// CHECK-COUNT-96: vector.fma
// CHECK: %[[REST:.+]] = arith.subi %[[MCUR]], %[[WHOLE]] : index
// CHECK: scf.index_switch %[[REST]]
// CHECK-NEXT: case 1 {
// CHECK-COUNT-16: vector.fma
// CHECK-NOT: vector.fma
// CHECK: case 2 {
// CHECK: case 3 {
// CHECK: case 4 {
// CHECK: case 5 {
// CHECK-COUNT-80: vector.fma
// CHECK: default {
// CHECK: scf.index_switch
// CHECK: func.func private @[[KP]]({{.*}}) attributes {{{.*}}quantc.x86_parallel}
// PAR-LABEL: func.func @linear
// PAR-NOT: scf.if
// PAR: call @[[K:__quantc_x86_sgemm[_0-9]*]](
// PAR-NOT: call @__quantc_x86_sgemm
// PAR: func.func private @[[K]]({{.*}}) attributes {{{.*}}quantc.x86_parallel}
// PAR-NOT: func.func private @__quantc_x86_sgemm
func.func @linear(%a: tensor<?x20xf32>, %b: tensor<20x70xf32>) -> tensor<?x70xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x20xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%m) : tensor<?x70xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x70xf32>) -> tensor<?x70xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x20xf32>, tensor<20x70xf32>) outs(%f : tensor<?x70xf32>) -> tensor<?x70xf32>
  return %r : tensor<?x70xf32>
}

// -----

// A run-time batch count and M: one call per batch, the offsets of A and the
// output scaled by the run-time rows.
// PAR-LABEL: func.func @batched
// PAR-SAME: (%[[A:.+]]: tensor<?x?x20xf32>, %[[B:.+]]: tensor<?x20x70xf32>)
// PAR-DAG: %[[BT:.+]] = tensor.dim %[[A]], %c0 : tensor<?x?x20xf32>
// PAR-DAG: %[[M:.+]] = tensor.dim %[[A]], %c1 : tensor<?x?x20xf32>
// PAR: %[[O:.+]] = memref.alloc(%[[BT]], %[[M]]) {alignment = 64 : i64} : memref<?x?x70xf32>
// PAR: %[[OF:.+]] = memref.collapse_shape %[[O]]
// PAR: %[[AM:.+]] = tensor.dim %[[A]], %c1 : tensor<?x?x20xf32>
// PAR: %[[AS:.+]] = arith.muli %[[AM]], %c20 : index
// PAR: %[[OS:.+]] = arith.muli %[[M]], %c70 : index
// PAR: scf.for %[[I:.+]] = %c0 to %[[BT]] step %c1 {
// PAR: %[[AO:.+]] = arith.muli %[[I]], %[[AS]] : index
// PAR: %[[BO:.+]] = arith.muli %[[I]], %c1400 : index
// PAR: %[[OO:.+]] = arith.muli %[[I]], %[[OS]] : index
// PAR: func.call @__quantc_x86_sgemm{{[_0-9]*}}(%{{.+}}, %{{.+}}, %[[OF]], %[[M]], %[[AO]], %[[BO]], %[[OO]], %c0, %c2)
func.func @batched(%a: tensor<?x?x20xf32>, %b: tensor<?x20x70xf32>) -> tensor<?x?x70xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %bt = tensor.dim %a, %c0 : tensor<?x?x20xf32>
  %m = tensor.dim %a, %c1 : tensor<?x?x20xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%bt, %m) : tensor<?x?x70xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x?x70xf32>) -> tensor<?x?x70xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<?x?x20xf32>, tensor<?x20x70xf32>) outs(%f : tensor<?x?x70xf32>) -> tensor<?x?x70xf32>
  return %r : tensor<?x?x70xf32>
}

// -----

// A B stored [n, k] (nn.Linear) with a run-time M: calls of at most
// dot-max-m = 16 rows take the dot-product kernel (with its own run-time row
// tail), more rows the packing kernel; each split by the parallel threshold
// (16 Mi multiply-adds: 11984 rows of 20 x 70).
// CHECK-LABEL: func.func @linear_nk
// CHECK: %[[M:.+]] = tensor.dim
// CHECK: %[[FEW:.+]] = arith.cmpi sle, %[[M]], %c16 : index
// CHECK: scf.if %[[FEW]] {
// CHECK: scf.if
// CHECK: func.call @[[DP:__quantc_x86_sgemm[_0-9]*]]({{.*}}, %[[M]], %c0, %c0, %c0, %c0, %c12)
// CHECK: func.call @[[DS:__quantc_x86_sgemm[_0-9]*]]({{.*}}, %[[M]], %c0, %c0, %c0, %c0, %c12)
// CHECK: } else {
// CHECK: scf.if
// CHECK: func.call @[[KP:__quantc_x86_sgemm[_0-9]*]]({{.*}}, %[[M]], %c0, %c0, %c0, %c0, %c2)
// CHECK: func.call @[[KS:__quantc_x86_sgemm[_0-9]*]]({{.*}}, %[[M]], %c0, %c0, %c0, %c0, %c2)
// CHECK: func.func private @[[DP]]({{.*}}) attributes {{{.*}}quantc.x86_parallel}
// CHECK: func.func private @[[DS]](
// CHECK-NOT: memref.alloc
// CHECK: arith.divui %{{.+}}, %c4 : index
// CHECK: scf.index_switch
// CHECK-NEXT: case 1 {
// CHECK: case 2 {
// CHECK: case 3 {
// CHECK: vector.reduction <add>
// CHECK: default {
// CHECK: func.func private @[[KP]]
// CHECK: func.func private @[[KS]]
// CHECK: memref.alloc
// PAR-LABEL: func.func @linear_nk
// PAR: scf.if
// PAR-NOT: scf.if
// PAR: return
func.func @linear_nk(%a: tensor<?x20xf32>, %b: tensor<70x20xf32>) -> tensor<?x70xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x20xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%m) : tensor<?x70xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x70xf32>) -> tensor<?x70xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%a, %b : tensor<?x20xf32>, tensor<70x20xf32>) outs(%f : tensor<?x70xf32>) -> tensor<?x70xf32>
  return %r : tensor<?x70xf32>
}

// -----

// Run-time N and K (M static): N and K and the strides that involve them
// (A's M stride K, B's K stride N) are kernel operands; the panel count is
// ceil(N / 64); the parallel choice compares the rows with
// ceil(2^24 / max(N * K, 1)) at run time.
// CHECK-LABEL: func.func @dynamic_nk
// CHECK-SAME: (%[[A:.+]]: tensor<8x?xf32>, %[[B:.+]]: tensor<?x?xf32>, %[[C:.+]]: tensor<8x?xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<8x?xf32>
// CHECK: %[[N:.+]] = tensor.dim %[[C]], %c1 : tensor<8x?xf32>
// CHECK: %[[K:.+]] = tensor.dim %[[A]], %c1 : tensor<8x?xf32>
// CHECK: %[[SAM:.+]] = tensor.dim %[[A]], %c1 : tensor<8x?xf32>
// CHECK: %[[SBK:.+]] = tensor.dim %[[B]], %c1 : tensor<?x?xf32>
// CHECK: %[[P:.+]] = arith.ceildivui %[[N]], %c64 : index
// CHECK: %[[NK:.+]] = arith.muli %[[N]], %[[K]] : index
// CHECK: %[[NK1:.+]] = arith.maxui %[[NK]], %c1 : index
// CHECK: %[[MIN:.+]] = arith.ceildivui %c16777216, %[[NK1]] : index
// CHECK: %[[BIG:.+]] = arith.cmpi sle, %[[MIN]], %c8 : index
// CHECK: scf.if %[[BIG]] {
// CHECK: func.call @{{__quantc_x86_sgemm[_0-9]*}}(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[N]], %[[K]], %[[SAM]], %[[SBK]], %c0, %c0, %c0, %c0, %[[P]])
// CHECK: } else {
// CHECK: func.call @[[KS:__quantc_x86_sgemm[_0-9]*]](%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[N]], %[[K]], %[[SAM]], %[[SBK]], %c0, %c0, %c0, %c0, %[[P]])
// The serial kernel: K blocks of 256 to max(K, 1) (K = 0 stores 0 or C),
// the block min(256, K - pc) long; B rows packed with the tail panel's
// vectors masked by create_mask; A's K tail by a masked load; the full
// panels to N / 64, then the tail panel of N mod 64 columns through
// scf.index_switch on its vector count (1..4), its last vector's loads and
// stores masked; the K loop unrolled by 4 to the block's run-time length,
// then its rest.
// CHECK: func.func private @[[KS]](%{{.+}}: memref<?xf32> {llvm.noalias}, %{{.+}}: memref<?xf32> {llvm.noalias}, %{{.+}}: memref<?xf32> {llvm.noalias}, %{{.+}}: memref<?xf32> {llvm.noalias}, %[[KN:.+]]: index, %[[KK:.+]]: index, %[[KSAM:.+]]: index, %[[KSBK:.+]]: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index)
// CHECK-NOT: quantc.x86_parallel
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<8x272xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<16x256x64xf32>
// CHECK: %[[KEND:.+]] = arith.maxsi %[[KK]], %c1 : index
// CHECK: scf.for %[[PC:.+]] = %c0 to %[[KEND]] step %c256 {
// CHECK: %[[KLEFT:.+]] = arith.subi %[[KK]], %[[PC]] : index
// CHECK: %[[KCUR:.+]] = arith.minsi %[[KLEFT]], %c256 : index
// CHECK: arith.muli %{{.+}}, %[[KSBK]] : index
// CHECK: %[[TAILB:.+]] = arith.remui %[[KN]], %c64 : index
// CHECK: vector.create_mask %[[TAILB]] : vector<16xi1>
// CHECK: vector.maskedload
// CHECK: arith.muli %{{.+}}, %[[KSAM]] : index
// CHECK: vector.create_mask
// CHECK: vector.maskedload
// CHECK: %[[FULL:.+]] = arith.divui %[[KN]], %c64 : index
// CHECK: arith.minsi %{{.+}}, %[[FULL]] : index
// Before its K loop, a 6 x 4 tile prefetches the next row tile's 24 output
// lines (rows 6.. clamped to the last one, 7: folded to constants here).
// CHECK-COUNT-24: memref.prefetch %{{.+}}[%{{.+}}], write, locality<3>, data : memref<?xf32>
// CHECK: %[[KU:.+]] = arith.divui %[[KCUR]], %c4 : index
// CHECK: %[[KMAIN:.+]] = arith.muli %[[KU]], %c4 : index
// CHECK: scf.for %{{.+}} = %c0 to %[[KMAIN]] step %c4 iter_args(
// CHECK-COUNT-96: vector.fma
// CHECK: scf.for %{{.+}} = %[[KMAIN]] to %[[KCUR]] step %c1 iter_args(
// CHECK: %[[TAIL:.+]] = arith.remui %[[KN]], %c64 : index
// CHECK: %[[NV:.+]] = arith.divui %{{.+}}, %c16 : index
// CHECK: scf.index_switch %[[NV]]
// CHECK-NEXT: case 1 {
// CHECK-NEXT: %[[M1:.+]] = vector.create_mask %[[TAIL]] : vector<16xi1>
// CHECK: vector.maskedstore %{{.+}}, %[[M1]]
// CHECK: case 2 {
// CHECK: case 3 {
// CHECK: case 4 {
// CHECK: default {
func.func @dynamic_nk(%a: tensor<8x?xf32>, %b: tensor<?x?xf32>, %c: tensor<8x?xf32>) -> tensor<8x?xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x?xf32>, tensor<?x?xf32>) outs(%c : tensor<8x?xf32>) -> tensor<8x?xf32>
  return %r : tensor<8x?xf32>
}

// -----

// Attention with a run-time token count: Q . K^T over run-time heads (B
// stored [heads, keys, 64], N = keys at run time) and P . V (K = keys at
// run time) take the packing kernel, never the dot-product one.
// CHECK-LABEL: func.func @attention
// CHECK-NOT: linalg.batch_matmul
// CHECK: scf.for
// CHECK: func.call @{{__quantc_x86_sgemm[_0-9]*}}(
// CHECK: scf.for
// CHECK: func.call @{{__quantc_x86_sgemm[_0-9]*}}(
// CHECK-NOT: vector.reduction
func.func @attention(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>, %s0: tensor<?x?x?xf32>, %o0: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%q, %k : tensor<?x?x64xf32>, tensor<?x?x64xf32>) outs(%s0 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %o = linalg.batch_matmul ins(%s, %v : tensor<?x?x?xf32>, tensor<?x?x64xf32>) outs(%o0 : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}
