// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" -split-input-file -verify-diagnostics | FileCheck %s

// An int8 convolution whose im2col reduction (3x3x3 = 27) is not a multiple
// of the int8 MMA K (32) runs its GEMM on the host, and says so.
// CHECK-LABEL: llvm.func @conv_k27
// CHECK-NOT: gpu.launch_func
func.func @conv_k27(%x: tensor<1x9x9x3xi8>, %xs: tensor<1x1x1x1xf32>) -> tensor<1x7x7x64xf32> {
  %w = arith.constant dense<1> : tensor<3x3x3x64xi8>
  %ws = arith.constant dense<0.01> : tensor<1x1x1x64xf32>
  %xd = quantc.dequantize %x, %xs : tensor<1x9x9x3xi8>, tensor<1x1x1x1xf32> -> tensor<1x9x9x3xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x3x64xi8>, tensor<1x1x1x64xf32> -> tensor<3x3x3x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: the reduction dimension (27) is not a multiple of 32}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x9x9x3xf32>, tensor<3x3x3x64xf32>) outs(%init : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  return %y : tensor<1x7x7x64xf32>
}

// -----

// An int8 depthwise convolution (the direct kernel of --quantc-conv-to-gemm)
// is no GEMM: it runs on the host, and says so.
// CHECK-LABEL: llvm.func @depthwise
// CHECK-NOT: gpu.launch_func
func.func @depthwise(%x: tensor<1x9x9x32xi8>, %xs: tensor<1x1x1x1xf32>) -> tensor<1x7x7x32xf32> {
  %w = arith.constant dense<3> : tensor<3x3x32xi8>
  %ws = arith.constant dense<0.01> : tensor<1x1x32xf32>
  %xd = quantc.dequantize %x, %xs : tensor<1x9x9x32xi8>, tensor<1x1x1x1xf32> -> tensor<1x9x9x32xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x32xi8>, tensor<1x1x32xf32> -> tensor<3x3x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  // expected-remark @+2 {{the int8 depthwise convolution runs on the host, not on Tensor Cores: the GPU kernels are GEMMs, and it reduces every channel on its own}}
  // expected-remark @+1 {{runs as scalar loops, not on 8-lane vectors}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x9x9x32xf32>, tensor<3x3x32xf32>) outs(%init : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  return %y : tensor<1x7x7x32xf32>
}
