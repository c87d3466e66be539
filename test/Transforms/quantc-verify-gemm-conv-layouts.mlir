// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-verify-gemm="target=vnni" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-verify-gemm="target=nvvm" -split-input-file -verify-diagnostics | FileCheck %s

// Every convolution layout x every target (issue 17 item 2): the analysis
// reads a convolution's reduction (window and input channels) from its
// indexing maps and flattens it window-major, as the implicit im2col GEMM
// does, whatever the layout. So a scale varying along the input channels
// varies element by element along the reduction: a per-input-channel
// activation or weight scale is rejected with the usual error for every
// layout and K tile (nchw_fchw used to see a "K block" of the input's
// H x W = 36, a multiple of vnni's K tile 4, and pass); a per-output-channel
// weight scale is legal, and so is a depthwise convolution's per-channel
// scale (its channel is a batch dimension).
// nhwc_hwcf: a per-input-channel activation scale is rejected.
func.func @nhwc_hwcf_act_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x1xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 3 (size 4): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; migrate the per-channel factor{{.*}}}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nhwc_hwcf: a per-input-channel weight scale is rejected.
func.func @nhwc_hwcf_weight_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x4x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x4x1xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #1 (weight) has a per-input-channel scale {{.*}} that varies along reduction dimension 2 (size 4): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; quantize the weight per output channel{{.*}}}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nhwc_hwcf: per-tensor activation x per-output-channel weight: int8.
// CHECK-LABEL: func.func @nhwc_hwcf_per_output_channel
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: quantc.gemm = "int8"
func.func @nhwc_hwcf_per_output_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nhwc_fhwc: a per-input-channel activation scale is rejected.
func.func @nhwc_fhwc_act_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<8x3x3x4xi8>, %ws: tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x3x3x4xi8>, tensor<1x1x1x1xf32> -> tensor<8x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 3 (size 4): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; migrate the per-channel factor{{.*}}}}
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<8x3x3x4xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nhwc_fhwc: a per-input-channel weight scale is rejected.
func.func @nhwc_fhwc_weight_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<8x3x3x4xi8>, %ws: tensor<1x1x1x4xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x3x3x4xi8>, tensor<1x1x1x4xf32> -> tensor<8x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-error-re @+1 {{operand #1 (weight) has a per-input-channel scale {{.*}} that varies along reduction dimension 3 (size 4): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; quantize the weight per output channel{{.*}}}}
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<8x3x3x4xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nhwc_fhwc: per-tensor activation x per-output-channel weight: int8.
// CHECK-LABEL: func.func @nhwc_fhwc_per_output_channel
// CHECK: linalg.conv_2d_nhwc_fhwc
// CHECK-SAME: quantc.gemm = "int8"
func.func @nhwc_fhwc_per_output_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<8x3x3x4xi8>, %ws: tensor<8x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x3x3x4xi8>, tensor<8x1x1x1xf32> -> tensor<8x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<8x3x3x4xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nchw_fchw: a per-input-channel activation scale is rejected.
func.func @nchw_fchw_act_per_input_channel(%x: tensor<1x4x6x6xi8>, %xs: tensor<1x4x1x1xf32>, %w: tensor<8x4x3x3xi8>, %ws: tensor<1x1x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x4x6x6xi8>, tensor<1x4x1x1xf32> -> tensor<1x4x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x4x3x3xi8>, tensor<1x1x1x1xf32> -> tensor<8x4x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 1 (size 4): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; migrate the per-channel factor{{.*}}}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x4x6x6xf32>, tensor<8x4x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// nchw_fchw: a per-input-channel weight scale is rejected.
func.func @nchw_fchw_weight_per_input_channel(%x: tensor<1x4x6x6xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<8x4x3x3xi8>, %ws: tensor<1x4x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x4x6x6xi8>, tensor<1x1x1x1xf32> -> tensor<1x4x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x4x3x3xi8>, tensor<1x4x1x1xf32> -> tensor<8x4x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  // expected-error-re @+1 {{operand #1 (weight) has a per-input-channel scale {{.*}} that varies along reduction dimension 1 (size 4): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; quantize the weight per output channel{{.*}}}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x4x6x6xf32>, tensor<8x4x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// nchw_fchw: per-tensor activation x per-output-channel weight: int8.
// CHECK-LABEL: func.func @nchw_fchw_per_output_channel
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: quantc.gemm = "int8"
func.func @nchw_fchw_per_output_channel(%x: tensor<1x4x6x6xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<8x4x3x3xi8>, %ws: tensor<8x1x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x4x6x6xi8>, tensor<1x1x1x1xf32> -> tensor<1x4x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x4x3x3xi8>, tensor<8x1x1x1xf32> -> tensor<8x4x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x4x6x6xf32>, tensor<8x4x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// nchw_fchw, 2x2 window: in the channels-first layout order the channel's
// window would be a block of KH x KW = 4 elements (vnni's K tile); in the GEMM's
// window-major order it is one element: rejected.
func.func @nchw_fchw_2x2_act_per_input_channel(%x: tensor<1x4x6x6xi8>, %xs: tensor<1x4x1x1xf32>, %w: tensor<8x4x2x2xi8>, %ws: tensor<1x1x1x1xf32>) -> tensor<1x8x5x5xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x4x6x6xi8>, tensor<1x4x1x1xf32> -> tensor<1x4x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x4x2x2xi8>, tensor<1x1x1x1xf32> -> tensor<8x4x2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x5x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-channel scale {{.*}} that varies along reduction dimension 1 (size 4){{.*}}}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x4x6x6xf32>, tensor<8x4x2x2xf32>) outs(%init : tensor<1x8x5x5xf32>) -> tensor<1x8x5x5xf32>
  return %y : tensor<1x8x5x5xf32>
}

// -----

// nhwc_hwcf: blocks of 32 input channels (C = 64): a K block of 32 in the
// window-major reduction, not 32 x KH x KW.
// CHECK-LABEL: func.func @nhwc_hwcf_blocked_channels
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: quantc.gemm = "int8-kblocked"
// CHECK-SAME: quantc.gemm_k_block = 32
func.func @nhwc_hwcf_blocked_channels(%x: tensor<1x6x6x64xi8>, %xs: tensor<1x1x1x2xf32>, %w: tensor<3x3x64x8xi8>, %ws: tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x64xi8>, tensor<1x1x1x2xf32> -> tensor<1x6x6x64xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x64x8xi8>, tensor<1x1x1x1xf32> -> tensor<3x3x64x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x64xf32>, tensor<3x3x64x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// nchw_fchw: blocks of 32 input channels (C = 64): a K block of 32 in the
// window-major reduction, not 32 x KH x KW.
// CHECK-LABEL: func.func @nchw_fchw_blocked_channels
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: quantc.gemm = "int8-kblocked"
// CHECK-SAME: quantc.gemm_k_block = 32
func.func @nchw_fchw_blocked_channels(%x: tensor<1x64x6x6xi8>, %xs: tensor<1x2x1x1xf32>, %w: tensor<8x64x3x3xi8>, %ws: tensor<1x1x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x64x6x6xi8>, tensor<1x2x1x1xf32> -> tensor<1x64x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x64x3x3xi8>, tensor<1x1x1x1xf32> -> tensor<8x64x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x64x6x6xf32>, tensor<8x64x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// Depthwise: the channel is a batch dimension; per-channel activation and
// weight scales are legal.
// CHECK-LABEL: func.func @depthwise_per_channel
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-SAME: quantc.gemm = "int8"
func.func @depthwise_per_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// Depthwise: a scale varying along the input rows varies along the window:
// rejected.
func.func @depthwise_per_row(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x6x1x1xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x6x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  // expected-error-re @+1 {{operand #0 (activation) has a per-pixel scale {{.*}} that varies along reduction dimension 1 (size 6){{.*}}}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}
