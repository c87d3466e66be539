// K = 8192: the AVX2 kernel's packed tile is 96 KiB of stack (on each OpenMP
// thread). It is allocated with a page-by-page probe loop, so that a thread
// with a small stack faults on its guard page instead of running past it.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mcpu=znver3 -o - | FileCheck %s
// CHECK-LABEL: __quantc_x86_gemm:
// CHECK: subq $4096, %rsp
// CHECK-NEXT: movq $0, (%rsp)
// CHECK: .size __quantc_x86_gemm
func.func @big_k(%x: tensor<6x8192xi8>) -> tensor<6x16xi32> {
  %w = arith.constant dense<3> : tensor<16x8192xi8>
  %acc = quantc.matmul %x, %w : tensor<6x8192xi8>, tensor<16x8192xi8> -> tensor<6x16xi32>
  return %acc : tensor<6x16xi32>
}
