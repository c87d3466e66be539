// RUN: quantc-opt %s --quantc-verify-gemm --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-verify-gemm="target=vnni" --quantc-fuse -split-input-file -verify-diagnostics -o /dev/null

// Convolutions are checked as implicit-im2col GEMMs (issue 17): batch and
// output pixels are rows, output channels columns, the window and the input
// channels the reduction; a depthwise channel is a batch dimension. An input
// dimension indexed by pixel + window offset counts as a reduction dimension.

// Per-tensor activation x per-output-channel weight: int8. --quantc-fuse
// takes a convolution only once --quantc-conv-to-gemm made it a GEMM
// (quantc-conv-to-gemm-fuse.mlir), and says so.
// CHECK-LABEL: func.func @conv_per_tensor
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: quantc.gemm = "int8"
func.func @conv_per_tensor(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-remark @+1 {{verified as an int8 GEMM but stays a float GEMM: it is a convolution; --quantc-conv-to-gemm (which the pipelines run before --quantc-fuse) rewrites it as an int8 GEMM}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// A per-input-channel activation scale varies along the reduction.
func.func @conv_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 3 (size 4): it cannot be factored out of the sum over the reduction dimension{{.*}}}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// The same rejection on the other convolution forms: conv_2d_nhwc_fhwc ...
func.func @fhwc_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<8x3x3x4xi8>, %ws: tensor<8x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x3x3x4xi8>, tensor<8x1x1x1xf32> -> tensor<8x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 3 (size 4): it cannot be factored out of the sum over the reduction dimension{{.*}}}}
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<8x3x3x4xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// ... and conv_1d_nwc_wcf.
func.func @nwc_per_input_channel(%x: tensor<1x10x4xi8>, %xs: tensor<1x1x4xf32>, %w: tensor<3x4x8xi8>, %ws: tensor<1x1x8xf32>) -> tensor<1x8x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x10x4xi8>, tensor<1x1x4xf32> -> tensor<1x10x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x4x8xi8>, tensor<1x1x8xf32> -> tensor<3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 2 (size 4): it cannot be factored out of the sum over the reduction dimension{{.*}}}}
  %y = linalg.conv_1d_nwc_wcf {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
         ins(%xd, %wd : tensor<1x10x4xf32>, tensor<3x4x8xf32>) outs(%init : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  return %y : tensor<1x8x8xf32>
}

// -----

// Depthwise: the channel is a batch dimension, so a per-channel activation
// scale is legal.
// CHECK-LABEL: func.func @depthwise_per_channel
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-SAME: quantc.gemm = "int8"
func.func @depthwise_per_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  // expected-remark @+1 {{verified as an int8 GEMM but stays a float GEMM: it is a convolution; --quantc-conv-to-gemm (which the pipelines run before --quantc-fuse) rewrites it as the direct int8 depthwise kernel}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// A scale varying along the input rows varies along the window (h = oh +
// kh): no K block describes it, whatever the K tile.
func.func @conv_per_pixel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x6x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x6x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a {{.*}} scale {{.*}} that varies along reduction dimension 1 (size 6)}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
