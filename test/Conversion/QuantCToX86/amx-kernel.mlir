// The isa=amx kernels: 2 A tiles (32 rows of the packed activation tile) x
// 2 B tiles (a 32-column panel of the vpdpbusd layout, K padded to 64) ->
// 4 C tiles carried by the K loop, stored to a 32 x 32 i32 scratch for the
// shared epilogue (whole tiles of an i32 result: into the output). M < amx-min-m takes the avx512-vnni kernel, with a
// remark; emulate=true has no amx op left.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx" -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx emulate=true" -verify-diagnostics | FileCheck %s --check-prefix=EMU
// The whole pipeline: the tile ops become LLVM's .internal intrinsics, and
// the loop-carried tiles !llvm.x86_amx block arguments.
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=amx" 2>/dev/null | FileCheck %s --check-prefix=LLVM
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=amx-emulated" 2>/dev/null | FileCheck %s --check-prefix=LLVMEMU
// The x86 assembly: tdpbssd on tmm registers, ldtilecfg placed by LLVM.
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=amx" 2>/dev/null | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni,+amx-tile,+amx-int8 -o - | FileCheck %s --check-prefix=ASM

// Callers (the weight of @constant_weight packed at compile time: K = 13
// padded to one tile row of 16 groups of 4, 19 columns to one 32-column
// panel), then the kernels in the same order.
// CHECK-LABEL: func.func @runtime_weight
// CHECK: call @__quantc_x86_gemm(
// CHECK-LABEL: func.func @constant_weight
// CHECK: memref.get_global @__quantc_x86_w{{.*}} : memref<1x16x128xi8>
// CHECK-LABEL: func.func @few_rows
// CHECK-LABEL: func.func private @__quantc_x86_gemm(
// CHECK-SAME: isa = amx, m = 45, n = 70, k = 67, mr = 32, nr = 2
// CHECK-SAME: runtime_weight = true
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<32x32xi32>
// CHECK-COUNT-4: amx.tile_zero : !amx.tile<16x16xi32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (!amx.tile<16x16xi32>, !amx.tile<16x16xi32>, !amx.tile<16x16xi32>, !amx.tile<16x16xi32>)
// CHECK: amx.tile_load %{{.*}}[%c0{{.*}}, %{{.*}}] : memref<32x192xi8> into !amx.tile<16x64xi8>
// CHECK: %[[ROW16:.*]] = arith.addi %{{.*}}, %c16{{.*}} : index
// CHECK: amx.tile_load %{{.*}}[%[[ROW16]], %{{.*}}] : memref<32x192xi8> into !amx.tile<16x64xi8>
// CHECK: amx.tile_load %{{.*}} : memref<3x32x128xi8> into !amx.tile<16x64xi8>
// CHECK: amx.tile_load %{{.*}} : memref<3x32x128xi8> into !amx.tile<16x64xi8>
// CHECK-COUNT-4: amx.tile_muli
// CHECK: scf.yield
// A whole tile of an i32 result stores C into the output, the tail panel
// (6 columns) into the scratch.
// CHECK-COUNT-4: amx.tile_store %{{.*}} : memref<45x70xi32>, !amx.tile<16x16xi32>
// CHECK: amx.tile_store %{{.*}} : memref<32x32xi32>, !amx.tile<16x16xi32>
// CHECK-LABEL: func.func private @__quantc_x86_gemm_0(
// CHECK-SAME: isa = amx, m = 33, n = 19, k = 13
// CHECK-LABEL: func.func private @__quantc_x86_gemm_1(
// CHECK-SAME: isa = avx512_vnni, m = 7
// EMU-NOT: amx.
// LLVM: llvm.call_intrinsic "llvm.x86.tdpbssd.internal"
// LLVM: !llvm.x86_amx
// LLVMEMU-NOT: x86_amx
// LLVMEMU-NOT: llvm.x86.t
// ASM: ldtilecfg
// ASM: tileloadd
// ASM: tdpbssd %tmm
// ASM: tilestored
func.func @runtime_weight(%x: tensor<45x67xi8>, %w: tensor<70x67xi8>) -> tensor<45x70xi32> {
  %r = quantc.matmul %x, %w : tensor<45x67xi8>, tensor<70x67xi8> -> tensor<45x70xi32>
  return %r : tensor<45x70xi32>
}

func.func @constant_weight(%x: tensor<33x13xi8>) -> tensor<33x19xi32> {
  %w = arith.constant dense<3> : tensor<19x13xi8>
  %r = quantc.matmul %x, %w : tensor<33x13xi8>, tensor<19x13xi8> -> tensor<33x19xi32>
  return %r : tensor<33x19xi32>
}

func.func @few_rows(%x: tensor<7x64xi8>, %w: tensor<40x64xi8>) -> tensor<7x40xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni kernel, not the amx tiles: M = 7 is below amx-min-m = 32}}
  %r = quantc.matmul %x, %w : tensor<7x64xi8>, tensor<40x64xi8> -> tensor<7x40xi32>
  return %r : tensor<7x40xi32>
}
