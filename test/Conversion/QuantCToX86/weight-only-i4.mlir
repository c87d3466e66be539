// W4A16 on the weight-only kernel: constant i4 weights packed two per byte
// at compile time, group scales and zero points.
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86 --canonicalize --cse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86="isa=avx2" --canonicalize --cse -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=AVX2

// The packed layout: per K row of a panel, one byte vector per pair of
// column vectors; byte i holds q + 8 of column i (low nibble) and of column
// 16 + i (high nibble). q = -1 -> 7; N = 17: byte 0 = 0x77, bytes 1-15 =
// 0x07 (no column 16 + i), the second pair (columns 32-63) zero padding.
// CHECK-LABEL: func.func @packing
// CHECK: arith.constant dense<"0x7707070707070707070707070707070700000000000000000000000000000000770707070707
// CHECK-SAME: tensor<1024xi8>
// CHECK: call @__quantc_x86_w4a16_gemm
// AVX2-LABEL: func.func @packing
// AVX2 (8 lanes, 2 vectors per panel): the first panel's 16 columns are one
// pair (all 0x77), the second panel holds column 16 alone (0x07, padding).
// AVX2: arith.constant dense<"0x{{(77)+(0700000000000000)+}}"> : tensor<512xi8>
func.func @packing(%x: tensor<2x32xf32>) -> tensor<2x17xf32> {
  %q = arith.constant dense<-1> : tensor<32x17xi4>
  %s = arith.constant dense<0.5> : tensor<1x17xf32>
  %d = quantc.dequantize %q, %s : tensor<32x17xi4>, tensor<1x17xf32> -> tensor<32x17xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x17xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x17xf32>) -> tensor<2x17xf32>
  %r = linalg.matmul ins(%x, %d : tensor<2x32xf32>, tensor<32x17xf32>) outs(%f : tensor<2x17xf32>) -> tensor<2x17xf32>
  return %r : tensor<2x17xf32>
}

// -----

// Groups of 32 along K with a zero point: per group, the i32 offset table
// (z + 8 = 11) gives the f32 zero point; each weight vector is widened to
// q - z (exact in f32) and summed in per-group temporaries, which are then
// added to the running sums kept in the output, out = fma(temp, scale, out)
// (3 rows or more: a 4-row tile, here all 3 rows; the starting sums are
// stored first). The weight is prefetched 1 KiB ahead once per 64-byte line
// (every second K row of 32 bytes), the next group's scales and zero points
// once per group.
// AVX-512: the byte vector zero-extended once, q = table[u & 15]
// (vpermps of [-8, 7]) for the low nibble, table[u >> 4] for the high one.
// CHECK-LABEL: func.func @grouped_zero_point
// CHECK: %[[ZP:.+]] = arith.constant dense<"0x0B0000000B000000
// CHECK-SAME: tensor<128xi32>
// CHECK: call @[[K:__quantc_x86_w4a16_gemm[_0-9]*]](%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %c0, %c1) : (memref<192xf32>, memref<2048xi8>, memref<128xf32>, memref<128xi32>, memref<60xf32>, index, index) -> ()
// CHECK: func.func private @[[K]](%{{.+}}: memref<192xf32> {llvm.noalias}, %[[W:.+]]: memref<2048xi8> {llvm.noalias}, %[[S:.+]]: memref<128xf32> {llvm.noalias}, %[[Z:.+]]: memref<128xi32> {llvm.noalias}, %[[OUT:.+]]: memref<60xf32> {llvm.noalias}
// CHECK-DAG: %[[EIGHT:.+]] = arith.constant dense<8.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[TABLE:.+]] = arith.constant dense<[-8.000000e+00, -7.000000e+00, {{.*}}, 7.000000e+00]> : vector<16xf32>
// CHECK: vector.store %[[ZERO]], %[[OUT]][%c0]
// CHECK: scf.for %{{.+}} = %c0 to %c2 step %c1 {
// CHECK: %[[OFF0:.+]] = vector.load %[[Z]][%[[G:.+]]] : memref<128xi32>, vector<16xi32>
// CHECK: %[[OFF0F:.+]] = arith.sitofp %[[OFF0]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[Z0:.+]] = arith.subf %[[OFF0F]], %[[EIGHT]] : vector<16xf32>
// CHECK: memref.prefetch %[[S]][%{{.+}}], read, locality<3>, data
// CHECK: memref.prefetch %[[Z]][%{{.+}}], read, locality<3>, data
// CHECK: %[[T:.+]]:6 = scf.for %{{.+}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: %[[ROW:.+]] = arith.muli %{{.+}}, %c32 : index
// CHECK: %[[AHEAD:.+]] = arith.addi %[[ROW]], %c1024 : index
// CHECK: memref.prefetch %[[W]][%[[AHEAD]]], read, locality<3>, data
// CHECK: %[[B:.+]] = vector.load %[[W]][%[[ROW]]] : memref<2048xi8>, vector<16xi8>
// CHECK: %[[U:.+]] = arith.extui %[[B]] : vector<16xi8> to vector<16xi32>
// CHECK: %[[LO:.+]] = quantc.x86.vpermps %[[TABLE]], %[[U]] : vector<16xf32>, vector<16xi32>
// CHECK: %[[W0:.+]] = arith.subf %[[LO]], %[[Z0]] : vector<16xf32>
// CHECK: %[[HI:.+]] = arith.shrui %[[U]], %{{.+}} : vector<16xi32>
// CHECK: quantc.x86.vpermps %[[TABLE]], %[[HI]]
// CHECK: %[[XB:.+]] = vector.broadcast
// CHECK: vector.fma %[[XB]], %[[W0]], %{{.+}} : vector<16xf32>
// CHECK: scf.yield
// CHECK: %[[S0:.+]] = vector.load %[[S]][%[[G]]] : memref<128xf32>, vector<16xf32>
// CHECK: %[[SUM0:.+]] = vector.load %[[OUT]][%c0] : memref<60xf32>, vector<16xf32>
// CHECK: %[[NEW0:.+]] = vector.fma %[[T]]#0, %[[S0]], %[[SUM0]] : vector<16xf32>
// CHECK: vector.store %[[NEW0]], %[[OUT]][%c0] : memref<60xf32>, vector<16xf32>
// AVX2 (8 lanes, no 16-entry table): and 15 / shift right by 4 on the
// bytes, zero-extend, minus the offset (8 + z) in i32, to f32; the same
// per-group sums added to the output.
// AVX2-LABEL: func.func @grouped_zero_point
// AVX2: func.func private @__quantc_x86_w4a16_gemm
// AVX2: %[[OFF:.+]] = vector.load %{{.+}} : memref<{{[0-9]+}}xi32>, vector<8xi32>
// AVX2: %[[B:.+]] = vector.load %{{.+}} : memref<{{[0-9]+}}xi8>, vector<8xi8>
// AVX2: %[[LO:.+]] = arith.andi %[[B]], %{{.+}} : vector<8xi8>
// AVX2: %[[LO32:.+]] = arith.extui %[[LO]] : vector<8xi8> to vector<8xi32>
// AVX2: %[[Q:.+]] = arith.subi %[[LO32]], %[[OFF]] : vector<8xi32>
// AVX2: %[[LOF:.+]] = arith.sitofp %[[Q]] : vector<8xi32> to vector<8xf32>
// AVX2: arith.shrui %[[B]], %{{.+}} : vector<8xi8>
// AVX2: vector.fma %{{.+}}, %[[LOF]], %{{.+}} : vector<8xf32>
// AVX2: scf.yield
// AVX2: vector.fma %{{.+}}, %{{.+}}, %{{.+}} : vector<8xf32>
// AVX2-NEXT: vector.store
func.func @grouped_zero_point(%x: tensor<3x64xf32>) -> tensor<3x20xf32> {
  %q = arith.constant dense<-8> : tensor<64x20xi4>
  %s = arith.constant dense<0.5> : tensor<2x20xf32>
  %z = arith.constant dense<3> : tensor<2x20xi32>
  %d = quantc.dequantize %q, %s zero_point %z : tensor<64x20xi4>, tensor<2x20xf32>, tensor<2x20xi32> -> tensor<64x20xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x20xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x20xf32>) -> tensor<3x20xf32>
  %r = linalg.matmul ins(%x, %d : tensor<3x64xf32>, tensor<64x20xf32>) outs(%f : tensor<3x20xf32>) -> tensor<3x20xf32>
  return %r : tensor<3x20xf32>
}

// -----

// Per output channel (no groups), no zero point: AVX-512 takes q from the
// table (no offset); AVX2 subtracts a constant 8 in i32. The scale is
// applied in the epilogue.
// CHECK-LABEL: func.func @no_zero_point
// CHECK: func.func private @__quantc_x86_w4a16_gemm
// CHECK-NOT: arith.subi
// CHECK: quantc.x86.vpermps
// CHECK-NOT: arith.subi
// CHECK: arith.mulf
// AVX2-LABEL: func.func @no_zero_point
// AVX2: func.func private @__quantc_x86_w4a16_gemm
// AVX2: %[[EIGHT:.+]] = arith.constant dense<8> : vector<8xi32>
// AVX2: %[[U:.+]] = arith.extui %{{.+}} : vector<8xi8> to vector<8xi32>
// AVX2: %[[Q:.+]] = arith.subi %[[U]], %[[EIGHT]] : vector<8xi32>
// AVX2: arith.sitofp %[[Q]] : vector<8xi32> to vector<8xf32>
// AVX2: arith.mulf
func.func @no_zero_point(%x: tensor<3x64xf32>) -> tensor<3x20xf32> {
  %q = arith.constant dense<5> : tensor<64x20xi4>
  %s = arith.constant dense<0.5> : tensor<1x20xf32>
  %d = quantc.dequantize %q, %s : tensor<64x20xi4>, tensor<1x20xf32> -> tensor<64x20xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x20xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x20xf32>) -> tensor<3x20xf32>
  %r = linalg.matmul ins(%x, %d : tensor<3x64xf32>, tensor<64x20xf32>) outs(%f : tensor<3x20xf32>) -> tensor<3x20xf32>
  return %r : tensor<3x20xf32>
}
