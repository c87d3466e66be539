// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" -verify-diagnostics | FileCheck %s

// f16 I/O on the GPU pipeline (issue 14 item 1): the epilogue with f16 scales
// runs on the host (a remark says why) and computes in f32, rounding once to
// f16; the accumulator is never converted to f16 (it overflows 65504). The
// host code is vectorized (8 lanes).
// CHECK-LABEL: llvm.func @main
// CHECK:       llvm.call @__quantc_launch_gemm_0
// CHECK-NOT:   llvm.sitofp {{.*}} to {{(vector<[0-9]+x)?}}f16
// CHECK:       llvm.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT:   llvm.sitofp {{.*}} to {{(vector<[0-9]+x)?}}f16
// CHECK:       llvm.fptrunc {{.*}} : vector<8xf32> to vector<8xf16>
// CHECK:       gpu.binary @quantc_kernels
func.func @main(%x: tensor<16x64xi8>) -> tensor<16x32xf16> {
  %w = arith.constant dense<2> : tensor<32x64xi8>
  %xs = arith.constant dense<0.01> : tensor<1x1xf16>
  %ws = arith.constant dense<0.02> : tensor<1x32xf16>
  // expected-remark @+1 {{the rescale runs on the host, not in the kernel's epilogue: its operand of type tensor<1x1xf16> is not a static 2-D f32 tensor, which the kernels read}}
  %acc = quantc.matmul %x, %w : tensor<16x64xi8>, tensor<32x64xi8> -> tensor<16x32xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<16x32xi32>, tensor<1x1xf16>, tensor<1x32xf16>) -> tensor<16x32xf16>
  return %y : tensor<16x32xf16>
}
