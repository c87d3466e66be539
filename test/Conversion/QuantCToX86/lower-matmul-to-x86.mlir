// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="nr=1 small-m=0" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="mr=12 nr=2" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NR2
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=30" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PAR
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx2 nr=1" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=AVX2
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="emulate=1" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=EMU

// The weight is packed K-by-4 per column, 16 columns (nr = 1) per panel,
// zero padded; the compensation is -128 * colsum(W). The kernel is emitted
// with its body and carries its plan.
// CHECK: memref.global "private" constant @[[$W:__quantc_x86_w[_0-9]*]] : memref<1x2x64xi8> = dense<"0x01020304FFFEFDFC{{0+}}05000000800000{{0+}}"> {alignment = 64 : i64}
// CHECK: memref.global "private" constant @[[$COMP:__quantc_x86_comp[_0-9]*]] : memref<16xi32> = dense<[-1920, 17664, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> {alignment = 64 : i64}
// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[X:.+]]: tensor<3x5xi8>)
// CHECK-NOT: quantc.matmul
// CHECK: %[[A:.+]] = bufferization.to_buffer %[[X]] read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<3x5xi8> to memref<3x5xi8>
// CHECK: %[[B:.+]] = memref.get_global @[[$W]] : memref<1x2x64xi8>
// CHECK: %[[C:.+]] = memref.get_global @[[$COMP]] : memref<16xi32>
// CHECK: %[[O:.+]] = memref.alloc() {alignment = 64 : i64} : memref<3x2xi32>
// CHECK-DAG: %[[P0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[P1:.+]] = arith.constant 1 : index
// CHECK: call @[[K:__quantc_x86_gemm[_0-9]*]](%[[A]], %[[B]], %[[C]], %[[O]], %[[P0]], %[[P1]])
// CHECK: %[[R:.+]] = bufferization.to_tensor %[[O]] restrict writable : memref<3x2xi32> to tensor<3x2xi32>
// CHECK: return %[[R]]
// CHECK: func.func private @[[K]](%{{.+}}: memref<3x5xi8> {llvm.noalias}, %{{.+}}: memref<1x2x64xi8> {llvm.noalias}, %{{.+}}: memref<16xi32> {llvm.noalias}, %{{.+}}: memref<3x2xi32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = {{\[\[}}"probe-stack", "inline-asm"]], quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 3, n = 2, k = 5, mr = 6, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false>}
// CHECK: quantc.x86.vpdpbusd
// CHECK-NOT: llvm.call_intrinsic
// CHECK: return
// NR2-LABEL: func.func @plain
// NR2: memref.get_global {{.*}} : memref<1x2x128xi8>
// NR2: func.func private
// NR2-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 3, n = 2, k = 5, mr = 12, nr = 2, kunroll = 4, panel_block = 1, parallel = false, emulate = false>
// 3 * 2 * 5 = 30 multiply-adds reach the threshold: the plan says parallel.
// PAR-LABEL: func.func @plain
// PAR: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 3, n = 2, k = 5, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = true, emulate = false>
// avx2: sign-extended i16 pairs (K by 2), 8 columns per panel (nr = 1), zero
// padded; no compensation operand.
// AVX2: memref.global "private" constant @[[$W2:__quantc_x86_w[_0-9]*]] : memref<1x3x16xi16> = dense<{{\[\[\[}}1, 2, -1, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3, 4, -3, -4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [5, 0, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]> {alignment = 64 : i64}
// AVX2-NOT: __quantc_x86_comp
// AVX2-LABEL: func.func @plain
// AVX2: %[[B:.+]] = memref.get_global @[[$W2]] : memref<1x3x16xi16>
// AVX2: call @{{.+}}(%{{.+}}, %[[B]], %{{.+}}, %{{.+}}, %{{.+}}) : (memref<3x5xi8>, memref<1x3x16xi16>, memref<3x2xi32>, index, index) -> ()
// AVX2: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 3, n = 2, k = 5, mr = 6, nr = 1, kunroll = 2, panel_block = 1, parallel = false, emulate = false>
// AVX2: quantc.x86.pmaddwd
// AVX2-NOT: vpdpbusd
// The emulated plan: no vpdpbusd, i32 arithmetic instead.
// EMU-LABEL: func.func @plain
// EMU: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, {{.*}}, emulate = true>
// EMU-NOT: quantc.x86.vpdpbusd
// EMU: arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
func.func @plain(%x: tensor<3x5xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4, 5], [-1, -2, -3, -4, -128]]> : tensor<2x5xi8>
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// The rescale epilogue is fused: its operands become kernel arguments and
// the kernel writes the requantized i8 result.
// CHECK-LABEL: func.func @fused
// CHECK-SAME: (%[[X:.+]]: tensor<3x5xi8>, %[[XS:.+]]: tensor<3x1xf32>)
// CHECK-NOT: {{= quantc\.|quantc\.(matmul|rescale) }}
// CHECK: %[[XSB:.+]] = bufferization.to_buffer %[[XS]] read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<3x1xf32> to memref<3x1xf32>
// CHECK: %[[O:.+]] = memref.alloc() {alignment = 64 : i64} : memref<3x2xi8>
// CHECK: call @[[K:__quantc_x86_gemm[_0-9]*]]({{.*}}, %[[XSB]], {{.*}}, %[[O]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}})
// CHECK-SAME: (memref<3x5xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<3x1xf32>, memref<1x2xf32>, memref<1x2xf32>, memref<1x1xf32>, memref<3x2xi8>, index, index) -> ()
// CHECK: bufferization.to_tensor %[[O]] restrict writable : memref<3x2xi8> to tensor<3x2xi8>
// CHECK: func.func private @[[K]]
// CHECK: arith.fptosi %{{.+}} : vector<16xf32> to vector<16xi8>
func.func @fused(%x: tensor<3x5xi8>, %xs: tensor<3x1xf32>) -> tensor<3x2xi8> {
  %w = arith.constant dense<1> : tensor<2x5xi8>
  %ws = arith.constant dense<0.5> : tensor<1x2xf32>
  %b = arith.constant dense<0.25> : tensor<1x2xf32>
  %os = arith.constant dense<2.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<relu>, qmin = -128 : i64, qmax = 127 : i64} : (tensor<3x2xi32>, tensor<3x1xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x1xf32>) -> tensor<3x2xi8>
  return %y : tensor<3x2xi8>
}

// -----

// A residual (full broadcast, like an [M, N] scale) is fused too.
// CHECK-LABEL: func.func @residual
// CHECK-NOT: quantc.rescale
// CHECK: call @{{.+}} : (memref<3x5xi8>, memref<1x2x64xi8>, memref<16xi32>, memref<3x1xf32>, memref<1x2xf32>, memref<3x2xf32>, memref<3x2xf32>, index, index) -> ()
func.func @residual(%x: tensor<3x5xi8>, %xs: tensor<3x1xf32>, %res: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1> : tensor<2x5xi8>
  %ws = arith.constant dense<0.5> : tensor<1x2xf32>
  %acc = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  %y = quantc.rescale %acc, %xs, %ws residual %res : (tensor<3x2xi32>, tensor<3x1xf32>, tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A run-time weight takes a kernel too (here with small-m=0, the packing
// kernel of M >= 4; small M: small-m.mlir): the kernel gets W itself (any row
// stride, like A), allocates one block of packed panels (+ compensation)
// per call and packs each block before its row tiles; no global, no remark.
// CHECK-LABEL: func.func @dynamic_weight
// CHECK-SAME: (%[[X:.+]]: tensor<4x5xi8>, %[[W:.+]]: tensor<2x5xi8>)
// CHECK-NOT: quantc.matmul
// CHECK-NOT: memref.get_global
// CHECK: %[[A:.+]] = bufferization.to_buffer %[[X]] read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<4x5xi8> to memref<4x5xi8, strided<[?, 1], offset: ?>>
// CHECK: %[[B:.+]] = bufferization.to_buffer %[[W]] read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<2x5xi8> to memref<2x5xi8, strided<[?, 1], offset: ?>>
// CHECK: call @[[$RK:__quantc_x86_gemm[_0-9]*]](%[[A]], %[[B]], %{{.+}}, %{{.+}}, %{{.+}}) : (memref<4x5xi8, strided<[?, 1], offset: ?>>, memref<2x5xi8, strided<[?, 1], offset: ?>>, memref<4x2xi32>, index, index) -> ()
// CHECK: func.func private @[[$RK]](%{{.+}}: memref<4x5xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %[[RW:.+]]: memref<2x5xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %{{.+}}: memref<4x2xi32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index)
// CHECK-SAME: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 4, n = 2, k = 5, mr = 6, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false, runtime_weight = true>
// CHECK: %[[PK:.+]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x64xi8>
// CHECK: %[[CP:.+]] = memref.alloc() {alignment = 64 : i64} : memref<16xi32>
// CHECK: scf.for %[[NB:.+]] = %{{.+}} to %{{.+}} step
// The block's panels, 16 columns at a time: 16 rows of W (past N: zeros;
// K in chunks of 64, here the masked tail of 5), their 16 x 16 words
// transposed by shuffles, one whole group of the 16 columns per store (2
// groups for K = 5), the byte sums by vpdpbusd with 1, -128 * them stored.
// CHECK: scf.for %[[PI:.+]] = %[[NB]] to
// CHECK: %[[LOC:.+]] = arith.subi %[[PI]], %[[NB]]
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C16:.+]] {
// CHECK: %[[WV:.+]] = vector.maskedload %[[RW]][{{.+}}], %{{.+}}, %{{.+}} : memref<2x5xi8, strided<[?, 1], offset: ?>>, vector<64xi1>, vector<64xi8> into vector<64xi8>
// CHECK: arith.select %{{.+}}, %{{.+}}, %{{.+}} : vector<16xi32>
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30] : vector<16xi32>, vector<16xi32>
// CHECK: vector.store %[[G0:.+]], %[[PK]][%[[LOC]], %{{.+}}, %{{.+}}] : memref<1x2x64xi8>, vector<64xi8>
// CHECK: quantc.x86.vpdpbusd %{{.+}}, %{{.+}}, %[[G0]]
// CHECK: vector.store %[[G1:.+]], %[[PK]][%[[LOC]], %{{.+}}, %{{.+}}] : memref<1x2x64xi8>, vector<64xi8>
// CHECK: %[[S:.+]] = quantc.x86.vpdpbusd %{{.+}}, %{{.+}}, %[[G1]]
// CHECK-NOT: vector.store %{{.+}}, %[[PK]]
// CHECK: %[[NEG:.+]] = arith.muli %[[S]], %{{.+}} : vector<16xi32>
// CHECK: vector.store %[[NEG]], %[[CP]][%{{.+}}] : memref<16xi32>, vector<16xi32>
// The unchanged K loop reads the scratch at the panel's place in the block.
// CHECK: vector.load %[[CP]]
// CHECK: vector.load %[[PK]]
// CHECK: quantc.x86.vpdpbusd
// AVX2 with nr = 1: panels of 8 columns, packed column by column (the
// transposing packer takes multiples of 16), 2 i16 per group.
// AVX2-LABEL: func.func @dynamic_weight
// AVX2: quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx2, m = 4, n = 2, k = 5, mr = 6, nr = 1, kunroll = 2, panel_block = 1, parallel = false, emulate = false, runtime_weight = true>
// AVX2: memref.alloc() {alignment = 64 : i64} : memref<1x3x16xi16>
// AVX2-NOT: memref<8xi32>
// AVX2: arith.extsi %{{.+}} : vector<32xi8> to vector<32xi16>
// AVX2: vector.store %{{.+}} : memref<1x3x16xi16>, vector<2xi16>
// AVX2: quantc.x86.pmaddwd
func.func @dynamic_weight(%x: tensor<4x5xi8>, %w: tensor<2x5xi8>) -> tensor<4x2xi32> {
  %r = quantc.matmul %x, %w : tensor<4x5xi8>, tensor<2x5xi8> -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// 1-3 rows against a run-time weight take the decode kernel under every
// ISA and option (decode-kernel.mlir): W read where it lies, no packing
// scratch, no plan.
// CHECK-LABEL: func.func @decode_weight
// CHECK: call @__quantc_x86_decode_gemm(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<1x3x5xi8, strided<[?, ?, 1], offset: ?>>, memref<1x2x5xi8, strided<[?, ?, 1], offset: ?>>, memref<1x3x2xi32, strided<[?, ?, 1], offset: ?>>, index, index) -> ()
// CHECK-NOT: quantc.x86_plan
// CHECK: func.func private @__quantc_x86_decode_gemm(
// CHECK-NOT: memref.alloc
// CHECK: quantc.x86.vpdpbusd
// AVX2-LABEL: func.func @decode_weight
// AVX2: call @__quantc_x86_decode_gemm
// AVX2-NOT: quantc.x86_plan
// AVX2: quantc.x86.pmaddwd
// EMU-LABEL: func.func @decode_weight
// EMU: call @__quantc_x86_decode_gemm
// EMU: func.func private @__quantc_x86_decode_gemm(
// EMU-NOT: quantc.x86.vpdpbusd
// EMU: arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
// EMU-NOT: quantc.x86.vpdpbusd
func.func @decode_weight(%x: tensor<3x5xi8>, %w: tensor<2x5xi8>) -> tensor<3x2xi32> {
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

// -----

// A rank-3 (batched) matmul calls a function of a batch range, which loops
// over its batches calling one runtime_weight kernel (the plan of one batch)
// on each batch's 2-D views; its rescale runs after it. Rank 4 is left
// alone. With parallel-min-macs=30 the batch function's plan
// is parallel (--quantc-x86-outline-omp splits the batches across threads)
// and the kernel of one batch is serial.
// CHECK-LABEL: func.func @batched
// CHECK-NOT: quantc.matmul
// CHECK: %[[BA:.+]] = bufferization.to_buffer %{{.+}} read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<2x3x5xi8> to memref<2x3x5xi8>
// CHECK: %[[BW:.+]] = bufferization.to_buffer %{{.+}} read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<2x2x5xi8> to memref<2x2x5xi8>
// CHECK: %[[BO:.+]] = memref.alloc() {alignment = 64 : i64} : memref<2x3x2xi32>
// CHECK: call @[[$BF:__quantc_x86_gemm_batch[_0-9]*]](%[[BA]], %[[BW]], %[[BO]], %{{.+}}, %{{.+}}) : (memref<2x3x5xi8>, memref<2x2x5xi8>, memref<2x3x2xi32>, index, index) -> ()
// CHECK: bufferization.to_tensor %[[BO]] restrict writable
// CHECK: quantc.rescale
// CHECK-LABEL: func.func @batched4
// CHECK: quantc.matmul
// CHECK: func.func private @[[$BK:__quantc_x86_gemm[_0-9]*]](
// CHECK-SAME: #quantc.x86_gemm_plan<isa = avx512_vnni, m = 3, n = 2, k = 5, mr = 6, nr = 1, kunroll = 4, panel_block = 1, parallel = false, emulate = false, runtime_weight = true>
// CHECK: func.func private @[[$BF]](%[[FA:.+]]: memref<2x3x5xi8> {llvm.noalias}, %[[FW:.+]]: memref<2x2x5xi8> {llvm.noalias}, %[[FO:.+]]: memref<2x3x2xi32> {llvm.noalias}, %[[FB:.+]]: index, %[[FE:.+]]: index)
// CHECK-SAME: parallel = false
// CHECK: scf.for %[[I:.+]] = %[[FB]] to %[[FE]] step
// CHECK: memref.subview %[[FA]][%[[I]], 0, 0] [1, 3, 5] [1, 1, 1] : memref<2x3x5xi8> to memref<3x5xi8, strided<[5, 1], offset: ?>>
// CHECK: memref.subview %[[FW]][%[[I]], 0, 0] [1, 2, 5] [1, 1, 1]
// CHECK: memref.subview %[[FO]][%[[I]], 0, 0] [1, 3, 2] [1, 1, 1]
// CHECK: call @[[$BK]](%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<3x5xi8, strided<[?, 1], offset: ?>>, memref<2x5xi8, strided<[?, 1], offset: ?>>, memref<3x2xi32, strided<[?, 1], offset: ?>>, index, index) -> ()
// PAR-LABEL: func.func @batched
// PAR: func.func private @__quantc_x86_gemm(
// PAR-SAME: parallel = false
// PAR: func.func private @__quantc_x86_gemm_batch(
// PAR-SAME: parallel = true
func.func @batched(%x: tensor<2x3x5xi8>, %xs: tensor<1x1x1xf32>) -> tensor<2x3x2xf32> {
  %w = arith.constant dense<1> : tensor<2x2x5xi8>
  %r = quantc.matmul %x, %w : tensor<2x3x5xi8>, tensor<2x2x5xi8> -> tensor<2x3x2xi32>
  // expected-remark @+1 {{GEMM, not fused into its kernel: the GEMM is batched}}
  %y = quantc.rescale %r, %xs, %xs : (tensor<2x3x2xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}
func.func @batched4(%x: tensor<2x2x3x5xi8>, %w: tensor<2x2x2x5xi8>) -> tensor<2x2x3x2xi32> {
  // expected-remark @+1 {{kernel: it is batched over 2 dimensions (rank-4 operands; the kernels take rank 2, or rank 3 looping over the batch)}}
  %r = quantc.matmul %x, %w : tensor<2x2x3x5xi8>, tensor<2x2x2x5xi8> -> tensor<2x2x3x2xi32>
  return %r : tensor<2x2x3x2xi32>
}

// -----

// A dynamic M: loops over whole blocks of 128 rows (avx512-vnni's default
// chunk) and of 16 rows, each a kernel on row slices of A and the output,
// then the last 1..15 rows through the 16-row kernel on a zero-padded copy
// of A, its rows copied out; the constant weight is packed once. Two kernels, no more. A is read in place
// with any offset and row stride (a slice, a batch's collapsed rows).
// CHECK-LABEL: func.func @dynamic_rows
// CHECK:         %[[A:.*]] = bufferization.to_buffer %{{.*}} : tensor<?x5xi8> to memref<?x5xi8, strided<[?, 1], offset: ?>>
// CHECK:         %[[M:.*]] = memref.dim %[[A]], %{{.*}} : memref<?x5xi8, strided<[?, 1], offset: ?>>
// CHECK:         %[[OUT:.*]] = memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x2xi32>
// CHECK:         scf.for %[[OFF:.*]] = %{{.*}} to %{{.*}} step %c128
// CHECK:           memref.subview %[[A]][%[[OFF]], 0] [128, 5] [1, 1]
// CHECK:           memref.subview %[[OUT]][%[[OFF]], 0] [128, 2] [1, 1]
// CHECK:           call @[[K128:__quantc_x86_gemm[_0-9]*]](
// CHECK-NOT:       step %c64
// CHECK:         scf.for %[[OFF16:.*]] = %{{.*}} to %[[END:.*]] step %c16
// CHECK:           memref.subview %[[A]][%[[OFF16]], 0] [16, 5] [1, 1]
// CHECK:           call @[[K16:__quantc_x86_gemm[_0-9]*]](
// CHECK:         %[[REST:.*]] = arith.subi %[[M]], %[[END]] : index
// CHECK:         %[[ANY:.*]] = arith.cmpi ne, %[[REST]], %{{.*}} : index
// CHECK:         scf.if %[[ANY]] {
// CHECK:           %[[PAD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x5xi8>
// CHECK:           linalg.fill ins(%{{.*}} : i8) outs(%[[PAD]] : memref<16x5xi8>)
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[REST]]
// CHECK:           %[[OPAD:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x2xi32>
// CHECK:           call @[[K16]](
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[REST]]
// CHECK:             memref.load %[[OPAD]]
// CHECK:             memref.store %{{.*}}, %[[OUT]]
// CHECK-NOT:     scf.if
// CHECK:         bufferization.to_tensor %[[OUT]]
// CHECK:       func.func private @[[K128]]({{.*}}: memref<128x5xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, {{.*}}: memref<1x2x64xi8> {{.*}}m = 128, n = 2, k = 5
// CHECK:       func.func private @[[K16]]({{.*}}m = 16, n = 2, k = 5
// CHECK-NOT:   m = {{(64|8)}}, n = 2, k = 5
func.func @dynamic_rows(%x: tensor<?x5xi8>) -> tensor<?x2xi32> {
  %w = arith.constant dense<1> : tensor<2x5xi8>
  %r = quantc.matmul %x, %w : tensor<?x5xi8>, tensor<2x5xi8> -> tensor<?x2xi32>
  return %r : tensor<?x2xi32>
}

// -----

// A block-scaled epilogue is not fused: the GEMM still runs on the kernel,
// the rescale takes the reference lowering.
// CHECK-LABEL: func.func @block_scale
// CHECK: call @__quantc_x86_gemm
// CHECK-SAME: memref<4x32xi32>
// CHECK: quantc.rescale
func.func @block_scale(%x: tensor<4x8xi8>, %xs: tensor<4x1xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<1> : tensor<32x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x2xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<32x8xi8> -> tensor<4x32xi32>
  // expected-remark @+1 {{GEMM, not fused into its kernel: w_scale 'tensor<1x2xf32>' is read as a block broadcast, which the kernels do not take}}
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x2xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// A matmul whose result has other users keeps an i32 result.
// CHECK-LABEL: func.func @two_users
// CHECK: call @__quantc_x86_gemm
// CHECK-SAME: memref<4x16xi32>
// CHECK: quantc.rescale
func.func @two_users(%x: tensor<4x8xi8>, %xs: tensor<4x1xf32>) -> (tensor<4x16xf32>, tensor<4x16xi32>) {
  %w = arith.constant dense<1> : tensor<16x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x16xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  // expected-remark @+1 {{GEMM, not fused into its kernel: the accumulator has other users}}
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y, %acc : tensor<4x16xf32>, tensor<4x16xi32>
}

// -----

// Destination passing: a result materialized into a caller's buffer is
// written there directly, and a weight used twice is packed once.
// CHECK-COUNT-2: memref.global "private" constant
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @dps
// CHECK-SAME: %[[OUT:[a-z0-9]+]]: memref<4x16xf32>
// CHECK-NOT: memref.alloc
// CHECK: call @__quantc_x86_gemm{{.*}}, %[[OUT]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}})
// CHECK-NOT: materialize_in_destination
// CHECK: return
// CHECK-LABEL: func.func @same_weight
// CHECK: memref.alloc
func.func @dps(%x: tensor<4x8xi8>, %xs: tensor<1x1xf32>, %out: memref<4x16xf32>) {
  %w = arith.constant dense<2> : tensor<16x8xi8>
  %ws = arith.constant dense<0.5> : tensor<1x16xf32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x16xi32>, tensor<1x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  bufferization.materialize_in_destination %y in restrict writable %out : (tensor<4x16xf32>, memref<4x16xf32>) -> ()
  return
}
func.func @same_weight(%x: tensor<2x8xi8>) -> tensor<2x16xi32> {
  %w = arith.constant dense<2> : tensor<16x8xi8>
  %acc = quantc.matmul %x, %w : tensor<2x8xi8>, tensor<16x8xi8> -> tensor<2x16xi32>
  return %acc : tensor<2x16xi32>
}

// -----

// A dynamic K (or N) with more than 3 rows: the dynamic-size lowering of
// batched GEMMs, the operands and the output viewed as a batch of one
// ([1, M, K] etc., no copy), the output zeroed for the K blocks to add to.
// CHECK-LABEL: func.func @dynamic_k
// CHECK: memref.reinterpret_cast %{{.+}} to offset: [%{{.+}}], sizes: [1, 4, %{{.+}}], strides: [%{{.+}}, %{{.+}}, 1] : memref<4x?xi8> to memref<1x4x?xi8, strided<[?, ?, 1], offset: ?>>
// CHECK: memref.reinterpret_cast %{{.+}} to offset: [%{{.+}}], sizes: [1, 2, %{{.+}}], strides: [%{{.+}}, %{{.+}}, 1] : memref<2x?xi8> to memref<1x2x?xi8, strided<[?, ?, 1], offset: ?>>
// CHECK: %[[O:.+]] = memref.alloc() {alignment = 64 : i64} : memref<4x2xi32>
// CHECK: %[[O3:.+]] = memref.reinterpret_cast %[[O]] to offset: [%{{.+}}], sizes: [1, 4, 2]
// CHECK: linalg.fill ins(%{{.+}} : i32) outs(%[[O]] : memref<4x2xi32>)
// CHECK: call @__quantc_x86_gemm_batch(%{{.+}}, %{{.+}}, %[[O3]], %{{.+}}, %{{.+}}) : (memref<1x4x?xi8, strided<[?, ?, 1], offset: ?>>, memref<1x2x?xi8, strided<[?, ?, 1], offset: ?>>, memref<1x4x2xi32, strided<[?, ?, 1], offset: ?>>, index, index) -> ()
// CHECK: func.func private @__quantc_x86_gemm(
// CHECK-SAME: m = 4, n = 2, k = 256
// CHECK-SAME: runtime_weight = true
func.func @dynamic_k(%x: tensor<4x?xi8>, %w: tensor<2x?xi8>) -> tensor<4x2xi32> {
  // expected-remark @+1 {{kernel in static blocks of 4 x 2 x 256 (M x N x K; its sizes are dynamic)}}
  %r = quantc.matmul %x, %w : tensor<4x?xi8>, tensor<2x?xi8> -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}
