// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" | FileCheck %s

// A decode loop carrying the GEMM's result (issue 14 item 5) bufferizes on
// the GPU pipeline too: the kernel is launched inside the loop.
// CHECK-LABEL: llvm.func @main
// CHECK:       llvm.cond_br
// CHECK:       llvm.call @__quantc_launch_gemm_0
// CHECK:       gpu.binary @quantc_kernels
// CHECK-SAME:  mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
func.func @main(%x0: tensor<16x64xf32>, %n: index) -> tensor<16x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %w = arith.constant dense<2> : tensor<64x64xi8>
  %s = arith.constant dense<0.01> : tensor<1x1xf32>
  %ws = arith.constant dense<0.01> : tensor<1x64xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %x0) -> (tensor<16x64xf32>) {
    %q = quantc.quantize %x, %s : tensor<16x64xf32>, tensor<1x1xf32> -> tensor<16x64xi8>
    %acc = quantc.matmul %q, %w : tensor<16x64xi8>, tensor<64x64xi8> -> tensor<16x64xi32>
    %y = quantc.rescale %acc, %s, %ws : (tensor<16x64xi32>, tensor<1x1xf32>, tensor<1x64xf32>) -> tensor<16x64xf32>
    scf.yield %y : tensor<16x64xf32>
  }
  return %r : tensor<16x64xf32>
}
