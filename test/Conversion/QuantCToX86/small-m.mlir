// Run-time weights with few rows (plan small_m): the weight is read where it
// lies, the activations are packed instead.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="kunroll=2" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="kunroll=2 emulate=1" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=EMU
// small-m=0, avx2 and M above small-m keep the packing kernel.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="small-m=0" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PACK
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="small-m=19" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PACK
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx2" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=AVX2
// After the CPU pipeline: no heap allocation (the packed A is on the stack).
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni -split-input-file | FileCheck %s --check-prefix=LLVM

// M = 20 (two blocks of 16 rows of A, the second of 4), N = 18 (a full panel
// of 16 rows of W and a tail panel of 2), K = 70 (a 64-byte chunk and a tail
// of 6; 17 whole K groups and a tail group of 2).
// CHECK-LABEL: func.func @small_m
// CHECK: call @[[$K:__quantc_x86_gemm[_0-9]*]](%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<20x70xi8, strided<[?, 1], offset: ?>>, memref<18x70xi8, strided<[?, 1], offset: ?>>, memref<20x18xi32>, index, index) -> ()
// CHECK: func.func private @[[$K]](%[[A:.+]]: memref<20x70xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %[[W:.+]]: memref<18x70xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %[[O:.+]]: memref<20x18xi32> {llvm.noalias}, %[[PB:.+]]: index, %[[PE:.+]]: index)
// CHECK-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 20, n = 18, k = 70, mr = 16, nr = 1, kunroll = 8, panel_block = 1, parallel = false, emulate = false, runtime_weight = true, small_m = true>
// A packed once per call: [2 blocks][18 K groups][16 rows x 4] on the stack,
// 16 rows read 64 bytes at a time (the K tail masked), their words
// transposed by shuffles, xor 0x80, one K group of the 16 rows per store.
// CHECK: %[[PA:.+]] = memref.alloca() {alignment = 64 : i64} : memref<2x18x64xi8>
// CHECK: vector.load %[[A]][%{{.+}}, %{{.+}}] : memref<20x70xi8, strided<[?, 1], offset: ?>>, vector<64xi8>
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30] : vector<16xi32>, vector<16xi32>
// CHECK: %[[X:.+]] = arith.xori %{{.+}}, %{{.+}} : vector<64xi8>
// CHECK: vector.store %[[X]], %[[PA]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<2x18x64xi8>, vector<64xi8>
// CHECK: vector.maskedload %[[A]]
// W's row stride is K: the rows are read through a static layout (constant
// offsets), any other stride through the general one.
// CHECK: %{{.+}}, %[[OFF:.+]], %{{.+}}:2, %[[ST:.+]]:2 = memref.extract_strided_metadata %[[W]]
// CHECK: %[[CONTIG:.+]] = arith.cmpi eq, %[[ST]]#0, %{{.+}} : index
// CHECK: scf.if %[[CONTIG]] {
// CHECK: %[[WS:.+]] = memref.reinterpret_cast %[[W]] to offset: [%[[OFF]]], sizes: [18, 70], strides: [70, 1]
// The full panels of the thread's range.
// CHECK: scf.for %[[P:.+]] = %[[PB]] to %{{.+}} step
// The panel's -128 * rowsum(W): 16 rows' 64-byte chunks by vpdpbusd with 1.
// CHECK: scf.for {{.+}} iter_args
// CHECK: %[[WV:.+]] = vector.load %[[WS]][%{{.+}}, %{{.+}}] : memref<18x70xi8, strided<[70, 1], offset: ?>>, vector<64xi8>
// CHECK: quantc.x86.vpdpbusd %{{.+}}, %{{.+}}, %[[WV]]
// CHECK: vector.maskedload %[[WS]]
// CHECK: %[[COMP:.+]] = arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
// Block 0 of A: 16 accumulators over the K groups (unrolled by 8 whatever
// the kunroll option): one packed vector of A against 4 bytes of each row
// of W broadcast; the first block prefetches the next panel's rows (or,
// without a whole next panel, this one's) into L2.
// CHECK: %[[NEXT:.+]] = arith.select %{{.+}}, %{{.+}}, %{{.+}} : index
// CHECK: scf.for %[[G:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: %[[AV:.+]] = vector.load %[[PA]][%{{.+}}, %[[G]], %{{.+}}] : memref<2x18x64xi8>, vector<64xi8>
// CHECK: %[[WW:.+]] = vector.load %[[WS]][%{{.+}}, %{{.+}}] : memref<18x70xi8, strided<[70, 1], offset: ?>>, vector<4xi8>
// CHECK: %[[WI:.+]] = vector.bitcast %[[WW]] : vector<4xi8> to vector<1xi32>
// CHECK: %[[WB:.+]] = vector.broadcast %[[WI]] : vector<1xi32> to vector<16xi32>
// CHECK: %[[WB8:.+]] = vector.bitcast %[[WB]] : vector<16xi32> to vector<64xi8>
// CHECK: quantc.x86.vpdpbusd %{{.+}}, %[[AV]], %[[WB8]] : vector<16xi32>, vector<64xi8>
// CHECK-COUNT-16: memref.prefetch %[[WS]][%{{.+}}, %{{.+}}], read, locality<2>, data
// CHECK: scf.yield
// The 17th whole group, in a rolled loop (no prefetch).
// CHECK: scf.for
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
// The tail group: 2 bytes of each row, zero padded.
// CHECK: vector.maskedload %[[WS]][%{{.+}}, %{{.+}}], %{{.+}}, %{{.+}} : memref<18x70xi8, strided<[70, 1], offset: ?>>, vector<4xi1>, vector<4xi8> into vector<4xi8>
// The accumulators (lane r: row r of A) transposed into rows of 16 output
// columns, plus the compensation, 16 rows stored.
// CHECK: vector.shuffle
// CHECK: %[[R0:.+]] = arith.addi %{{.+}}, %[[COMP]] : vector<16xi32>
// CHECK: vector.store %[[R0]], %[[O]][%{{.+}}, %{{.+}}] : memref<20x18xi32>, vector<16xi32>
// CHECK-COUNT-15: vector.store %{{.+}}, %[[O]]
// Block 1: the K loop again, then 4 rows stored.
// CHECK: vector.load %[[PA]]
// CHECK-NOT: vector.store %{{.+}}, %[[O]]
// CHECK-COUNT-4: vector.store %{{.+}}, %[[O]]
// CHECK-NOT: vector.store %{{.+}}, %[[O]]
// The tail panel (2 columns): masked stores.
// CHECK: scf.if
// CHECK: vector.maskedstore %[[O]]
// The general layout: the same kernel on W itself.
// CHECK: } else {
// CHECK: vector.load %[[W]][%{{.+}}, %{{.+}}] : memref<18x70xi8, strided<[?, 1], offset: ?>>, vector<4xi8>
// EMU-LABEL: func.func @small_m
// EMU: small_m = true
// EMU-NOT: quantc.x86.vpdpbusd
// EMU: arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
// PACK-LABEL: func.func @small_m
// PACK: runtime_weight = true>
// PACK: memref.alloc() {alignment = 64 : i64} : memref<1x18x256xi8>
// AVX2-LABEL: func.func @small_m
// AVX2: runtime_weight = true>
// LLVM-LABEL: llvm.func internal @__quantc_x86_gemm
// LLVM-NOT: @malloc
// LLVM: llvm.alloca
// LLVM-NOT: @malloc
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// LLVM-NOT: @malloc
// LLVM: llvm.func @malloc
func.func @small_m(%x: tensor<20x70xi8>, %w: tensor<18x70xi8>) -> tensor<20x18xi32> {
  %r = quantc.matmul %x, %w : tensor<20x70xi8>, tensor<18x70xi8> -> tensor<20x18xi32>
  return %r : tensor<20x18xi32>
}

// -----

// A fused epilogue reads the transposed accumulators like the packing
// kernel's: per-row x_scale, per-column w_scale.
// CHECK-LABEL: func.func @small_m_epilogue
// CHECK: func.func private @__quantc_x86_gemm
// CHECK-SAME: small_m = true
// CHECK: vector.shuffle
// CHECK: arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf
// CHECK: vector.maskedstore %{{.+}} : memref<4x5xf32>, vector<16xi1>, vector<16xf32>
func.func @small_m_epilogue(%x: tensor<4x300xi8>, %w: tensor<5x300xi8>, %xs: tensor<4x1xf32>, %ws: tensor<1x5xf32>) -> tensor<4x5xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x300xi8>, tensor<5x300xi8> -> tensor<4x5xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x5xi32>, tensor<4x1xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

// 1-3 static rows (a 2-D decode projection) take the decode kernel, not
// small_m, under every option and ISA: [1, M, K] x [1, N, K] views of the
// 2-D buffers, the rescale fused into it.
// CHECK-LABEL: func.func @decode_2d_epilogue
// CHECK: memref.reinterpret_cast %{{.+}} to offset: [%{{.+}}], sizes: [1, 1, 300], strides: [%{{.+}}, %{{.+}}, 1] : memref<1x300xi8, strided<[?, 1], offset: ?>> to memref<1x1x300xi8, strided<[?, ?, 1], offset: ?>>
// CHECK: call @__quantc_x86_decode_gemm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<1x1x300xi8, strided<[?, ?, 1], offset: ?>>, memref<1x5x300xi8, strided<[?, ?, 1], offset: ?>>, memref<1x1x5xf32, strided<[?, ?, 1], offset: ?>>, memref<1x1x1xf32, strided<[?, ?, 1], offset: ?>>, memref<1x1x5xf32, strided<[?, ?, 1], offset: ?>>, index, index) -> ()
// CHECK-NOT: quantc.rescale
// CHECK-NOT: small_m = true
// CHECK: func.func private @__quantc_x86_decode_gemm(
// CHECK: arith.sitofp
// EMU-LABEL: func.func @decode_2d_epilogue
// EMU: call @__quantc_x86_decode_gemm
// EMU-NOT: small_m = true
// PACK-LABEL: func.func @decode_2d_epilogue
// PACK: call @__quantc_x86_decode_gemm
// PACK-NOT: runtime_weight = true>
// AVX2-LABEL: func.func @decode_2d_epilogue
// AVX2: call @__quantc_x86_decode_gemm
// AVX2-NOT: runtime_weight = true>
func.func @decode_2d_epilogue(%x: tensor<1x300xi8>, %w: tensor<5x300xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %acc = quantc.matmul %x, %w : tensor<1x300xi8>, tensor<5x300xi8> -> tensor<1x5xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<1x5xi32>, tensor<1x1xf32>, tensor<1x5xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}

// -----

// Batched decode (attention's Q . K^T, one token) takes the decode kernel
// (decode-kernel.mlir), not small_m; the result goes straight into the
// caller's buffer (no allocation, no copy).
// CHECK-LABEL: func.func @decode_scores
// CHECK-SAME: %[[Y:[^:]+]]: memref<4x1x40xi32>
// CHECK-NOT: memref.alloc
// CHECK: %[[YC:.+]] = memref.cast %[[Y]]
// CHECK: call @__quantc_x86_decode_gemm(%{{.+}}, %{{.+}}, %[[YC]], %{{.+}}, %{{.+}})
// CHECK-NOT: bufferization.materialize_in_destination
// CHECK: return
// CHECK: func.func private @__quantc_x86_decode_gemm(
func.func @decode_scores(%q: tensor<4x1x64xi8>, %k: tensor<4x40x64xi8>, %y: memref<4x1x40xi32>) {
  %s = quantc.matmul %q, %k : tensor<4x1x64xi8>, tensor<4x40x64xi8> -> tensor<4x1x40xi32>
  bufferization.materialize_in_destination %s in restrict writable %y : (tensor<4x1x40xi32>, memref<4x1x40xi32>) -> ()
  return
}
