// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s
// The granularity analysis reads a convolution's input through a zero
// tensor.pad of its dequantized value (as frontends pad, and as
// --quantc-quantize quantizes under the pad): the padded zeros are exact on
// the integer side (--quantc-conv-to-gemm pads the integers with the zero
// point), so the verdict is the unpadded operand's. A pad of another value,
// or along a dimension the scale varies along, is no quantized operand.

// CHECK-LABEL: func.func @zero_pad
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}quantc.gemm = "int8"
func.func @zero_pad(%x: tensor<2x5x5x4xi8>, %xs: tensor<2x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<2x5x5x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<2x5x5x4xi8>, tensor<2x1x1x1xf32> -> tensor<2x5x5x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %cst = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %cst : f32
  } : tensor<2x5x5x4xf32> to tensor<2x7x7x4xf32>
  %e = tensor.empty() : tensor<2x5x5x8xf32>
  %init = linalg.fill ins(%cst : f32) outs(%e : tensor<2x5x5x8xf32>) -> tensor<2x5x5x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<2x7x7x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<2x5x5x8xf32>) -> tensor<2x5x5x8xf32>
  return %y : tensor<2x5x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @one_pad
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}quantc.gemm = "dequant-on-load"
func.func @one_pad(%x: tensor<1x5x5x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x5x5x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x5x5x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x5x5x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %cst = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %one : f32
  } : tensor<1x5x5x4xf32> to tensor<1x7x7x4xf32>
  %e = tensor.empty() : tensor<1x5x5x8xf32>
  %init = linalg.fill ins(%cst : f32) outs(%e : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x7x7x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  return %y : tensor<1x5x5x8xf32>
}

// -----

// A scale per row of pixels (along H) padded along H: an error.
func.func @pad_along_scale(%x: tensor<1x5x5x4xi8>, %xs: tensor<1x5x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x5x5x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x5x5x4xi8>, tensor<1x5x1x1xf32> -> tensor<1x5x5x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %cst = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %cst : f32
  } : tensor<1x5x5x4xf32> to tensor<1x7x7x4xf32>
  %e = tensor.empty() : tensor<1x5x5x8xf32>
  %init = linalg.fill ins(%cst : f32) outs(%e : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  // expected-error @+1 {{operand #0 (activation) is quantized, but its scale cannot be followed through the reshapes or pads that produce it (the scale blocks do not align with the reshaped dimensions, or the scale varies along a padded one)}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x7x7x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  return %y : tensor<1x5x5x8xf32>
}
