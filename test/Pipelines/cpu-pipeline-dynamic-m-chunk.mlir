// The pipeline's chunk of a dynamic-M int8 GEMM: 128 rows on the vector
// ISAs (a 128-token prompt is one kernel call, not eight 16-row tiles), 256
// with AMX, or what vnni-dynamic-m-chunk says; then the 16-row tiles.
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni" --mlir-print-ir-after=quantc-lower-matmul-to-x86 -o /dev/null 2>&1 | FileCheck %s --check-prefixes=CHECK,VNNI
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=avx2" --mlir-print-ir-after=quantc-lower-matmul-to-x86 -o /dev/null 2>&1 | FileCheck %s --check-prefixes=CHECK,VNNI
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=amx-emulated" --mlir-print-ir-after=quantc-lower-matmul-to-x86 -o /dev/null 2>&1 | FileCheck %s --check-prefixes=CHECK,AMX
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni vnni-dynamic-m-chunk=32" --mlir-print-ir-after=quantc-lower-matmul-to-x86 -o /dev/null 2>&1 | FileCheck %s --check-prefixes=CHECK,USER
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=amx-emulated vnni-dynamic-m-chunk=32" --mlir-print-ir-after=quantc-lower-matmul-to-x86 -o /dev/null 2>&1 | FileCheck %s --check-prefixes=CHECK,USER

// CHECK-LABEL: func.func @dynamic_rows
// VNNI: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c128
// VNNI: memref.subview %{{.*}}[%{{.*}}, 0] [128, 64] [1, 1]
// AMX: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c256
// AMX: memref.subview %{{.*}}[%{{.*}}, 0] [256, 64] [1, 1]
// USER: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c32
// USER: memref.subview %{{.*}}[%{{.*}}, 0] [32, 64] [1, 1]
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16
// VNNI: m = 128, n = 32, k = 64
// AMX: m = 256, n = 32, k = 64
// USER: m = 32, n = 32, k = 64
func.func @dynamic_rows(%x: tensor<?x64xi8>) -> tensor<?x32xi32> {
  %w = arith.constant dense<1> : tensor<32x64xi8>
  %r = quantc.matmul %x, %w : tensor<?x64xi8>, tensor<32x64xi8> -> tensor<?x32xi32>
  return %r : tensor<?x32xi32>
}
