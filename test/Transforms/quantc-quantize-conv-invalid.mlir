// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics
// RUN: quantc-opt %s --quantc-quantize="activations=none" -split-input-file 2>&1 | FileCheck %s --check-prefix=NONE
// A convolution --quantc-quantize cannot quantize says why.

// NONE-COUNT-2: remark: left in float: a convolution is quantized as W8A8 (int8 activations per image or per tensor, int8 weights): weight-only schemes (activations=none, 4-bit weights, groups) take matmuls only

func.func @runtime_filter(%x: tensor<1x5x5x2xf32>, %w: tensor<1x1x2x2xf32>) -> tensor<1x5x5x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  // expected-error @+1 {{cannot quantize the weight (operand #1) at compile time: it is block argument #1, not an arith.constant; --quantc-quantize folds weights to i8 constants and needs their values}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x5x5x2xf32>, tensor<1x1x2x2xf32>) outs(%init : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  return %y : tensor<1x5x5x2xf32>
}

// -----

func.func @nan_filter(%x: tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32> {
  %w = arith.constant dense<[[[[1.0, 0x7FC00000], [0.5, 4.0]]]]> : tensor<1x1x2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  // expected-error @+1 {{the constant weight (operand #1) holds nan at flat index 1; only finite weights can be quantized or smoothed}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x5x5x2xf32>, tensor<1x1x2x2xf32>) outs(%init : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  return %y : tensor<1x5x5x2xf32>
}
