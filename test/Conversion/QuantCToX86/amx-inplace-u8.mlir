// isa=amx: with K % 64 == 0 the whole 16-row A tiles are loaded from the
// activations in place (no packed activation tile in the K loop), and u8
// activations (the bytes under an xori 0x80) take tdpbusd (zext lhs) with
// the -(128 + zx) * colsum(W) compensation. K % 64 != 0 packs, and so does
// K % 2048 == 0 (16 of the 32 rows in one L1 set).
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx" | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=amx" 2>/dev/null | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @in_place
// CHECK: call @__quantc_x86_gemm(
// CHECK-LABEL: func.func @u8_activations
// The kernel reads the bytes under the xori (left for DCE).
// CHECK: %[[XU:.*]] = bufferization.to_buffer %arg0
// CHECK: call @__quantc_x86_gemm_0(%[[XU]],
// CHECK-LABEL: func.func @packed
// CHECK-LABEL: func.func private @__quantc_x86_gemm(
// CHECK-SAME: %[[A:arg0]]: memref<64x128xi8
// CHECK-SAME: isa = amx, m = 64, n = 40, k = 128
// CHECK: scf.for
// CHECK: amx.tile_load %[[A]][%{{.*}}, %{{.*}}] : memref<64x128xi8, {{.*}}> into !amx.tile<16x64xi8>
// CHECK: amx.tile_load %[[A]][%{{.*}}, %{{.*}}] : memref<64x128xi8, {{.*}}> into !amx.tile<16x64xi8>
// CHECK: amx.tile_muli %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-LABEL: func.func private @__quantc_x86_gemm_0(
// CHECK-SAME: %[[U:arg0]]: memref<48x64xi8
// CHECK: amx.tile_load %[[U]]
// CHECK: amx.tile_muli %{{.*}} zext, %{{.*}}, %{{.*}} :
// CHECK-LABEL: func.func private @__quantc_x86_gemm_1(
// CHECK-SAME: isa = amx, m = 64, n = 40, k = 100
// CHECK: amx.tile_load %{{.*}} : memref<32x{{[0-9]+}}xi8> into !amx.tile<16x64xi8>
// CHECK-LABEL: func.func private @__quantc_x86_gemm_2(
// CHECK-SAME: isa = amx, m = 32, n = 16, k = 2048
// CHECK: amx.tile_load %{{.*}} : memref<32x2112xi8> into !amx.tile<16x64xi8>
// LLVM: llvm.x86.tdpbssd.internal
// LLVM: llvm.x86.tdpbusd.internal
// LLVM: llvm.x86.tdpbssd.internal
func.func @in_place(%x: tensor<64x128xi8>, %w: tensor<40x128xi8>) -> tensor<64x40xi32> {
  %r = quantc.matmul %x, %w : tensor<64x128xi8>, tensor<40x128xi8> -> tensor<64x40xi32>
  return %r : tensor<64x40xi32>
}

func.func @u8_activations(%xu: tensor<48x64xi8>, %w: tensor<40x64xi8>) -> tensor<48x40xi32> {
  %sign = arith.constant dense<-128> : tensor<48x64xi8>
  %x = arith.xori %xu, %sign : tensor<48x64xi8>
  %r = quantc.matmul %x, %w : tensor<48x64xi8>, tensor<40x64xi8> -> tensor<48x40xi32>
  return %r : tensor<48x40xi32>
}

func.func @packed(%x: tensor<64x100xi8>, %w: tensor<40x100xi8>) -> tensor<64x40xi32> {
  %r = quantc.matmul %x, %w : tensor<64x100xi8>, tensor<40x100xi8> -> tensor<64x40xi32>
  return %r : tensor<64x40xi32>
}

func.func @stride_2048(%x: tensor<32x2048xi8>, %w: tensor<16x2048xi8>) -> tensor<32x16xi32> {
  %r = quantc.matmul %x, %w : tensor<32x2048xi8>, tensor<16x2048xi8> -> tensor<32x16xi32>
  return %r : tensor<32x16xi32>
}
