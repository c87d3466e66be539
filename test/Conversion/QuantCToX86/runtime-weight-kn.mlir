// A run-time rhs stored [K, N] (transpose_rhs: attention's P.V with V
// [S, D], an NN linear) is packed by the kernel from that layout (a
// weight_kn plan: group rows of a K group interleaved into the panels, the
// column sums on the way): no linalg.transpose copies it on every call, and
// there is no remark. 2-D, batched and dynamic-M GEMMs, on amx (emulated
// here, the same addresses) and avx512-vnni; a constant [K, N] weight keeps
// its transpose (the [N, K] kernels).
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx emulate=true" 2>/dev/null | FileCheck %s --check-prefixes=CHECK,AMX
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx emulate=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx emulate=true" -o /dev/null 2>&1 | grep -c remark | FileCheck %s --check-prefix=COUNT
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx512-vnni" 2>/dev/null | FileCheck %s --check-prefixes=CHECK,VNNI

// The only remarks (amx): the small Ms take the avx512-vnni kernel, and the
// constant is transposed.
// COUNT: {{^}}3{{$}}

// CHECK-LABEL: func.func @pv_batched(
// CHECK-NOT: linalg.transpose
// CHECK: call @__quantc_x86_gemm_batch(
// CHECK-LABEL: func.func @nn_2d(
// CHECK-NOT: linalg.transpose
// CHECK: call @__quantc_x86_gemm
// CHECK-LABEL: func.func @nn_dynamic_m(
// CHECK-NOT: linalg.transpose
// CHECK: call @__quantc_x86_gemm
// CHECK-LABEL: func.func @nn_constant(
// CHECK-NOT: weight_kn
// CHECK: call @__quantc_x86_gemm
// CHECK-LABEL: func.func @nn_small_m(
// CHECK-NOT: linalg.transpose
// CHECK: call @__quantc_x86_gemm

// The batched kernel takes each batch's [K, N] = [128, 96] slice of V.
// CHECK-LABEL: func.func private @__quantc_x86_gemm(
// CHECK-SAME: memref<64x128xi8, strided<[?, 1], offset: ?>> {{.*}}, %{{.*}}: memref<128x96xi8, strided<[?, 1], offset: ?>>
// AMX-SAME: isa = amx, m = 64, n = 96, k = 128
// VNNI-SAME: isa = avx512_vnni, m = 64, n = 96, k = 128
// CHECK-SAME: runtime_weight = true, weight_kn = true
// The packer loads the 4 rows of a K group 64 columns at a time, masked at
// N, interleaves them by two rounds of shuffles (byte pairs, then 16-bit
// pairs) and stores four 16-column groups whole; the columns the 64-column
// steps leave in the block, 16 at a time.
// CHECK-COUNT-4: vector.maskedload %{{.*}} : memref<128x96xi8, strided<[?, 1], offset: ?>>, vector<64xi1>, vector<64xi8> into vector<64xi8>
// CHECK: vector.shuffle %{{.*}} : vector<64xi8>, vector<64xi8>
// CHECK: vector.shuffle %{{.*}} : vector<32xi16>, vector<32xi16>
// CHECK: vector.store %{{.*}} : memref<{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}xi8>, vector<64xi8>
// CHECK: vector.maskedload %{{.*}} : memref<128x96xi8, strided<[?, 1], offset: ?>>, vector<16xi1>, vector<16xi8> into vector<16xi8>
// CHECK: vector.shuffle
// CHECK: vector.store %{{.*}} : memref<{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}xi8>, vector<64xi8>
// CHECK-LABEL: func.func private @__quantc_x86_gemm_batch(
// CHECK-SAME: memref<33x128x96xi8>
// CHECK-LABEL: func.func private @__quantc_x86_gemm_0(
// CHECK-SAME: memref<70x45xi8, strided<[?, 1], offset: ?>>
// CHECK-SAME: m = 40, n = 45, k = 70
// CHECK-SAME: weight_kn = true
// The dynamic-M chunks share the [K, N] weight.
// CHECK: func.func private @__quantc_x86_gemm_1(
// CHECK-SAME: memref<67x50xi8, strided<[?, 1], offset: ?>>
// CHECK-SAME: weight_kn = true
// CHECK: func.func private @__quantc_x86_gemm_2(
// CHECK-SAME: memref<67x50xi8, strided<[?, 1], offset: ?>>
// CHECK-SAME: weight_kn = true
// A small M: the packing kernel of avx512-vnni (small_m reads [n, k] rows).
// CHECK-LABEL: func.func private @__quantc_x86_gemm_4(
// CHECK-SAME: memref<130x20xi8, strided<[?, 1], offset: ?>>
// CHECK-SAME: isa = avx512_vnni, m = 8, n = 20, k = 130
// CHECK-NOT: small_m
// CHECK-SAME: weight_kn = true

func.func @pv_batched(%p: tensor<33x64x128xi8>, %v: tensor<33x128x96xi8>) -> tensor<33x64x96xi32> {
  %r = quantc.matmul %p, %v {transpose_rhs} : tensor<33x64x128xi8>, tensor<33x128x96xi8> -> tensor<33x64x96xi32>
  return %r : tensor<33x64x96xi32>
}

func.func @nn_2d(%x: tensor<40x70xi8>, %w: tensor<70x45xi8>) -> tensor<40x45xi32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<40x70xi8>, tensor<70x45xi8> -> tensor<40x45xi32>
  return %r : tensor<40x45xi32>
}

func.func @nn_dynamic_m(%x: tensor<?x67xi8>, %w: tensor<67x50xi8>) -> tensor<?x50xi32> {
  // REMARK-DAG: :[[@LINE+1]]:8: remark: runs on the avx512-vnni kernel, not the amx tiles: M = 16 is below amx-min-m = 32
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<?x67xi8>, tensor<67x50xi8> -> tensor<?x50xi32>
  return %r : tensor<?x50xi32>
}

func.func @nn_constant(%x: tensor<40x70xi8>) -> tensor<40x45xi32> {
  %w = arith.constant dense<3> : tensor<70x45xi8>
  // REMARK-DAG: :[[@LINE+1]]:8: remark: the amx kernel reads a [..., N, C] lhs and a [..., D, C] rhs: the transposed rhs is copied into that layout on every call
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<40x70xi8>, tensor<70x45xi8> -> tensor<40x45xi32>
  return %r : tensor<40x45xi32>
}

func.func @nn_small_m(%x: tensor<8x130xi8>, %w: tensor<130x20xi8>) -> tensor<8x20xi32> {
  // REMARK-DAG: :[[@LINE+1]]:8: remark: runs on the avx512-vnni kernel, not the amx tiles: M = 8 is below amx-min-m = 32
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<8x130xi8>, tensor<130x20xi8> -> tensor<8x20xi32>
  return %r : tensor<8x20xi32>
}
