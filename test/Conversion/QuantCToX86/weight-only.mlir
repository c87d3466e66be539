// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86 --canonicalize --cse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86="isa=avx2" --canonicalize --cse -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=AVX2
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86="parallel-min-macs=100" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=PAR

// A run-time weight stored [k, n] with per-channel scales: read in place
// (no packing, no float weight), the 70 columns as a panel of 64 and a tail
// of 6, the scale applied once per output in the epilogue.
// CHECK-LABEL: func.func @runtime_per_channel
// CHECK-SAME: (%[[X:.+]]: tensor<5x100xf32>, %[[Q:.+]]: tensor<100x70xi8>, %[[S:.+]]: tensor<1x70xf32>)
// CHECK-NOT: quantc.dequantize
// CHECK-NOT: linalg.matmul
// CHECK: %[[QB:.+]] = bufferization.to_buffer %[[Q]] read_only {quantc.kernel_call = {{[0-9]+}} : i64} : tensor<100x70xi8> to memref<100x70xi8>
// CHECK: %[[QF:.+]] = memref.collapse_shape %[[QB]] {{\[\[}}0, 1]] : memref<100x70xi8> into memref<7000xi8>
// CHECK: %[[SB:.+]] = bufferization.to_buffer %[[S]] read_only
// CHECK: %[[SF:.+]] = memref.collapse_shape %[[SB]] {{\[\[}}0, 1]] : memref<1x70xf32> into memref<70xf32>
// CHECK: call @[[K:__quantc_x86_w8a16_gemm[_0-9]*]](%{{.+}}, %[[QF]], %[[SF]], %{{.+}}, %c0, %c2) : (memref<500xf32>, memref<7000xi8>, memref<70xf32>, memref<350xf32>, index, index) -> ()
// CHECK: func.func private @[[K]](%{{.+}}: memref<500xf32> {llvm.noalias}, %[[W:.+]]: memref<7000xi8> {llvm.noalias}, %[[SC:.+]]: memref<70xf32> {llvm.noalias}, %[[O:.+]]: memref<350xf32> {llvm.noalias}, %{{.+}}: index, %{{.+}}: index) attributes {llvm.linkage = #llvm.linkage<internal>} {
// K blocks of 8 rows (few rows: each weight row is read as one stream
// across the panels), 96 in a loop and a tail of 4; in each, the panels,
// and the 6 x 4 register tile starting at zero (first K block) or at the
// partial sums in the output, unrolled by 4: int8 loads widened in
// registers, fma against the broadcast activation.
// CHECK: scf.for %[[PC:.+]] = %c0 to %c96 step %c8 {
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 {
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[PC]], %c0 : index
// CHECK: scf.if %[[FIRST]] -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: vector.load %[[O]]
// CHECK: scf.for %{{.+}} = %[[PC]] to %{{.+}} step %c4 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: %[[QV:.+]] = vector.load %[[W]][%{{.+}}] : memref<7000xi8>, vector<16xi8>
// CHECK: %[[QI:.+]] = arith.extsi %[[QV]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[QFP:.+]] = arith.sitofp %[[QI]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[XS:.+]] = memref.load
// CHECK: %[[XB:.+]] = vector.broadcast %[[XS]] : f32 to vector<16xf32>
// CHECK: vector.fma %[[XB]], %[[QFP]], %{{.+}} : vector<16xf32>
// The last K block's epilogue: the scale vector times the sums, stored;
// other blocks store the partial sums.
// CHECK: %[[LAST:.+]] = arith.cmpi eq, %[[PC]], %c92 : index
// CHECK: scf.if %[[LAST]] {
// CHECK: %[[SV:.+]] = vector.load %[[SC]][%{{.+}}] : memref<70xf32>, vector<16xf32>
// CHECK: %[[Y:.+]] = arith.mulf %{{.+}}, %[[SV]] : vector<16xf32>
// CHECK: vector.store %[[Y]], %[[O]][%{{.+}}] : memref<350xf32>, vector<16xf32>
// CHECK: } else {
// CHECK: vector.store %{{.+}}, %[[O]]
// The tail panel: 6 columns, masked weight and scale loads and stores.
// CHECK: vector.constant_mask [6] : vector<16xi1>
// CHECK: vector.maskedload %[[W]]
// CHECK: vector.maskedload %[[SC]]
// CHECK: vector.maskedstore %[[O]]
// AVX2-LABEL: func.func private @__quantc_x86_w8a16_gemm
// AVX2: vector.load %{{.+}} : memref<7000xi8>, vector<8xi8>
// AVX2: arith.extsi %{{.+}} : vector<8xi8> to vector<8xi32>
// AVX2: arith.sitofp %{{.+}} : vector<8xi32> to vector<8xf32>
// AVX2: vector.fma %{{.+}} : vector<8xf32>
// PAR: func.func private @__quantc_x86_w8a16_gemm{{.*}} attributes {llvm.linkage = #llvm.linkage<internal>, quantc.x86_parallel}
func.func @runtime_per_channel(%x: tensor<5x100xf32>, %w: tensor<100x70xi8>, %s: tensor<1x70xf32>) -> tensor<5x70xf32> {
  %d = quantc.dequantize %w, %s : tensor<100x70xi8>, tensor<1x70xf32> -> tensor<100x70xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x70xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<5x70xf32>) -> tensor<5x70xf32>
  %r = linalg.matmul ins(%x, %d : tensor<5x100xf32>, tensor<100x70xf32>) outs(%f : tensor<5x70xf32>) -> tensor<5x70xf32>
  return %r : tensor<5x70xf32>
}

// -----

// A constant weight stored [n, k] with group scales (g = 32): packed at
// compile time into one zero-padded int8 panel [k = 64][64 columns], the
// scale into an f32 table [2 groups][64]; per group, the sums of the group
// in temporaries, then fma(temp, scale[group], acc).
// CHECK-LABEL: func.func @const_grouped
// CHECK-DAG: arith.constant dense<"0x0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"> : tensor<128xf32>
// CHECK-DAG: arith.constant dense<"0x0303030303030303030303030303030303030303000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003030303030303030303030303030303030303030000000000000000000000000000000000000000000000000000000000000000000000000000000000000000{{(03|00)+}}"> : tensor<4096xi8>
// CHECK: call @[[K:__quantc_x86_w8a16_gemm[_0-9]*]](%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c0, %c1) : (memref<128xf32>, memref<4096xi8>, memref<128xf32>, memref<40xf32>, index, index) -> ()
// CHECK: func.func private @[[K]](
// CHECK: %[[ACC:.+]]:4 = scf.for %[[G:.+]] = %c0 to %c2 step %c1 iter_args
// CHECK: %[[T:.+]]:4 = scf.for %{{.+}} step %c4 iter_args(%{{.+}} = %[[Z:cst[_0-9]*]], %{{.+}} = %[[Z]], %{{.+}} = %[[Z]], %{{.+}} = %[[Z]])
// CHECK: arith.extsi
// CHECK: arith.sitofp
// CHECK: vector.fma
// CHECK: }
// CHECK: %[[GS:.+]] = vector.load %{{.+}}[%{{.+}}] : memref<128xf32>, vector<16xf32>
// CHECK: vector.fma %[[T]]#0, %[[GS]], %{{.+}} : vector<16xf32>
// No per-channel multiply after the groups.
// CHECK-NOT: arith.mulf
// CHECK: return
func.func @const_grouped(%x: tensor<2x64xf32>) -> tensor<2x20xf32> {
  %q = arith.constant dense<3> : tensor<20x64xi8>
  %s = arith.constant dense<[[0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0], [0.5, 1.0]]> : tensor<20x2xf32>
  %w = quantc.dequantize %q, %s : tensor<20x64xi8>, tensor<20x2xf32> -> tensor<20x64xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x20xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x20xf32>) -> tensor<2x20xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<2x64xf32>, tensor<20x64xf32>) outs(%f : tensor<2x20xf32>) -> tensor<2x20xf32>
  return %r : tensor<2x20xf32>
}
