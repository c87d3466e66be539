// Where the amx tiles put C. An i32 result without epilogue, weight zero
// point or compensation (tdpbssd, no activation zero point) stores the C
// tiles of whole tiles (32 rows, a whole panel) straight into the output
// at its row stride, and the packer takes no column sums; a tail panel goes
// through the 32 x 32 scratch, without adding the zero compensation. A
// rescale epilogue or an activation zero point (compensation -zx *
// colsum(W), summed by the packer) keeps the scratch and the epilogue.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx" 2>/dev/null | FileCheck %s
// With emulate=true the tiles are vector arithmetic on the scratch.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx emulate=true" 2>/dev/null | FileCheck %s --check-prefix=EMU

// CHECK-LABEL: func.func private @__quantc_x86_gemm(
// CHECK-SAME: m = 64, n = 80, k = 64
// No compensation scratch: only the packed block is allocated.
// CHECK-NOT: memref<{{[0-9]+}}xi32>
// CHECK: scf.yield
// CHECK-COUNT-4: amx.tile_store %{{.*}} : memref<64x80xi32>, !amx.tile<16x16xi32>
// The tail panel (16 columns): the scratch, no add of a compensation.
// CHECK: amx.tile_store %{{.*}} : memref<32x32xi32>, !amx.tile<16x16xi32>
// CHECK-NOT: arith.addi %{{.*}} : vector<16xi32>
// CHECK: vector.store %{{.*}} : memref<64x80xi32>, vector<16xi32>
// CHECK-LABEL: func.func private @__quantc_x86_gemm_0(
// CHECK-SAME: m = 64, n = 64, k = 64
// CHECK-NOT: amx.tile_store %{{.*}} : memref<64x64xf32>
// CHECK: amx.tile_store %{{.*}} : memref<32x32xi32>
// CHECK: arith.mulf
// CHECK-LABEL: func.func private @__quantc_x86_gemm_1(
// CHECK-SAME: m = 64, n = 64, k = 64
// The packer sums the columns for the -zx * colsum(W) compensation.
// CHECK: quantc.x86.vpdpbusd
// CHECK-NOT: amx.tile_store %{{.*}} : memref<64x64xi32>
// CHECK: amx.tile_store %{{.*}} : memref<32x32xi32>
// CHECK: arith.addi %{{.*}} : vector<16xi32>
// CHECK: vector.store %{{.*}} : memref<64x64xi32>, vector<16xi32>
// EMU-NOT: amx.

func.func @plain(%x: tensor<64x64xi8>, %w: tensor<80x64xi8>) -> tensor<64x80xi32> {
  %r = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<80x64xi8> -> tensor<64x80xi32>
  return %r : tensor<64x80xi32>
}

func.func @rescaled(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>, %xs: tensor<64x1xf32>, %ws: tensor<1x64xf32>) -> tensor<64x64xf32> {
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<64x64xi32>, tensor<64x1xf32>, tensor<1x64xf32>) -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}

func.func @zero_point(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
  %zx = arith.constant dense<-37> : tensor<1x1xi32>
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) {transpose_rhs} : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
  return %r : tensor<64x64xi32>
}
