// The weight-only kernels by row count: the register kernel below
// block-min-m (default 32, for every weight), the narrow blocked
// kernel (one panel of 128 K rows widened at a time) below 48 rows, the wide
// one (16 panels of 256 K rows) from 48; a run-time M calls them through an
// scf.if chain on tensor.dim.
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86 -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-weight-only-to-x86=block-min-m=-1 -split-input-file | FileCheck %s --check-prefix=NEVER

// CHECK-LABEL: func.func @dynamic_m
// CHECK: %[[M:dim_[0-9]+]] = tensor.dim %arg0
// CHECK: memref.alloc(%[[M]]) {alignment = 64 : i64} : memref<?x100xf32>
// CHECK: %[[WIDE:.*]] = arith.cmpi sge, %[[M]], %c48
// CHECK: scf.if %[[WIDE]] {
// CHECK-NEXT: func.call @[[W:__quantc_x86_w8a16_gemm_blocked[_0-9]*]](
// CHECK: } else {
// CHECK: %[[NARROW:.*]] = arith.cmpi sge, %[[M]], %c32
// CHECK: scf.if %[[NARROW]] {
// CHECK-NEXT: func.call @[[N:__quantc_x86_w8a16_gemm_blocked[_0-9]*]](
// CHECK: } else {
// CHECK: %[[MID:.*]] = arith.cmpi sge, %[[M]], %c9
// CHECK: scf.if %[[MID]] {
// CHECK-NEXT: func.call @__quantc_x86_w8a16_gemm(
// CHECK: } else {
// CHECK-NEXT: func.call @[[R8:__quantc_x86_w8a16_gemm_[0-9]+]](
// The wide kernel: the widened weight (sitofp, times the scale) stored into
// the float kernel's scratch of 16 panels x 256 rows, then its tile.
// CHECK: func.func private @[[W]](%{{.*}}: memref<?xf32> {llvm.noalias}, %{{.*}}: memref<25600xi8> {llvm.noalias}, %{{.*}}: memref<100xf32> {llvm.noalias}, %{{.*}}: memref<?xf32> {llvm.noalias}, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<2x256x64xf32>
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf
// CHECK: vector.store %{{.*}} : memref<2x256x64xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK: func.func private @[[N]](
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<1x128x64xf32>
// The register kernels: whole tiles of 6 rows, then the tail by
// index_switch. The weight is read in place: from 9 rows the plan's K block
// (here all of K: no K-block loop), up to 8 rows (decode) blocks of 8 K rows
// swept across the panels.
// CHECK: func.func private @__quantc_x86_w8a16_gemm(
// CHECK-NOT: step %c8 {
// CHECK: scf.index_switch
// CHECK: case 5 {
// CHECK: func.func private @[[R8]](
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c8 {
// CHECK: scf.index_switch
// NEVER-LABEL: func.func @dynamic_m
// NEVER: %[[MID:.*]] = arith.cmpi sge, %{{.*}}, %c9
// NEVER: scf.if %[[MID]] {
// NEVER-NEXT: call @__quantc_x86_w8a16_gemm(
// NEVER: } else {
// NEVER-NEXT: call @__quantc_x86_w8a16_gemm_{{[0-9]+}}(
// NEVER-NOT: _blocked
func.func @dynamic_m(%x: tensor<?x256xf32>, %q: tensor<256x100xi8>, %s: tensor<1x100xf32>) -> tensor<?x100xf32> {
  %w = quantc.dequantize %q, %s : tensor<256x100xi8>, tensor<1x100xf32> -> tensor<256x100xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x256xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%m) : tensor<?x100xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x100xf32>) -> tensor<?x100xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x256xf32>, tensor<256x100xf32>) outs(%f : tensor<?x100xf32>) -> tensor<?x100xf32>
  return %r : tensor<?x100xf32>
}

// -----

// Static M: 31 rows of an 8-bit weight stay on the register kernel, 32 take
// the narrow blocked one, 48 the wide one.
// CHECK-LABEL: func.func @static_m
// CHECK: call @__quantc_x86_w8a16_gemm(
// CHECK: call @[[N2:__quantc_x86_w8a16_gemm_blocked[_0-9]*]](
// CHECK: call @[[W2:__quantc_x86_w8a16_gemm_blocked[_0-9]*]](
// CHECK-NOT: scf.if
// CHECK: func.func private @__quantc_x86_w8a16_gemm(
// CHECK: func.func private @[[N2]](
// CHECK: memref<1x128x64xf32>
// CHECK: func.func private @[[W2]](
// CHECK: memref<2x256x64xf32>
func.func @static_m(%x31: tensor<31x256xf32>, %x32: tensor<32x256xf32>, %x48: tensor<48x256xf32>, %q: tensor<256x100xi8>, %s: tensor<1x100xf32>, %c31: tensor<31x100xf32>, %c32: tensor<32x100xf32>, %c48: tensor<48x100xf32>) -> (tensor<31x100xf32>, tensor<32x100xf32>, tensor<48x100xf32>) {
  %w = quantc.dequantize %q, %s : tensor<256x100xi8>, tensor<1x100xf32> -> tensor<256x100xf32>
  %r31 = linalg.matmul ins(%x31, %w : tensor<31x256xf32>, tensor<256x100xf32>) outs(%c31 : tensor<31x100xf32>) -> tensor<31x100xf32>
  %r32 = linalg.matmul ins(%x32, %w : tensor<32x256xf32>, tensor<256x100xf32>) outs(%c32 : tensor<32x100xf32>) -> tensor<32x100xf32>
  %r48 = linalg.matmul ins(%x48, %w : tensor<48x256xf32>, tensor<256x100xf32>) outs(%c48 : tensor<48x100xf32>) -> tensor<48x100xf32>
  return %r31, %r32, %r48 : tensor<31x100xf32>, tensor<32x100xf32>, tensor<48x100xf32>
}

// -----

// Grouped (constant) 4-bit weights: blocked from 32 rows, as the others
// (their register kernel keeps the group sums in the output: faster than
// the blocked one at 16-31 rows).
// CHECK-LABEL: func.func @w4_grouped
// CHECK: call @__quantc_x86_w4a16_gemm(
// CHECK: call @__quantc_x86_w4a16_gemm_{{[0-9]+}}(
// CHECK: call @__quantc_x86_w4a16_gemm_blocked(
func.func @w4_grouped(%x16: tensor<16x64xf32>, %x31: tensor<31x64xf32>, %x32: tensor<32x64xf32>, %s: tensor<2x32xf32>, %c16: tensor<16x32xf32>, %c31: tensor<31x32xf32>, %c32: tensor<32x32xf32>) -> (tensor<16x32xf32>, tensor<31x32xf32>, tensor<32x32xf32>) {
  %q = arith.constant dense<3> : tensor<64x32xi4>
  %w = quantc.dequantize %q, %s : tensor<64x32xi4>, tensor<2x32xf32> -> tensor<64x32xf32>
  %r16 = linalg.matmul ins(%x16, %w : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c16 : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r31 = linalg.matmul ins(%x31, %w : tensor<31x64xf32>, tensor<64x32xf32>) outs(%c31 : tensor<31x32xf32>) -> tensor<31x32xf32>
  %r32 = linalg.matmul ins(%x32, %w : tensor<32x64xf32>, tensor<64x32xf32>) outs(%c32 : tensor<32x32xf32>) -> tensor<32x32xf32>
  return %r16, %r31, %r32 : tensor<16x32xf32>, tensor<31x32xf32>, tensor<32x32xf32>
}
