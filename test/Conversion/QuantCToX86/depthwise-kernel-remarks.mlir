// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics
// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse --quantc-lower-matmul-to-x86="emulate=true" -split-input-file 2>&1 | FileCheck %s --check-prefix=EMU

// The int8 depthwise convolutions the direct x86 kernel does not take stay
// the vectorized generic, with a remark saying why.

// A run-time filter: the kernel packs the taps at compile time.
// EMU: remark: the int8 depthwise convolution runs on the vectorized generic, not the direct x86 kernel: the ISA is emulated (the kernel runs pmaddwd)
func.func @runtime_filter(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4xi8>) -> tensor<1x4x4x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  // expected-remark @+1 {{the int8 depthwise convolution runs on the vectorized generic, not the direct x86 kernel: its filter is not a constant (the kernel packs the taps at compile time)}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>) outs(%init : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// Run-time zero points of the _q form.
func.func @runtime_zero_points(%x: tensor<1x6x6x4xi8>, %zx: i32, %zw: i32) -> tensor<1x4x4x4xi32> {
  %w = arith.constant dense<3> : tensor<3x3x4xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  // expected-remark @+1 {{the int8 depthwise convolution runs on the vectorized generic, not the direct x86 kernel: a zero point is not one constant (it is per channel or a run-time value)}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>, i32, i32) outs(%init : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}
