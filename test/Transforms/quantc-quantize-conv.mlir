// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics | FileCheck %s
// --quantc-quantize makes every float convolution with a constant filter
// the QDQ form the verifier marks int8 (activation per image: a scale along
// the output pixels would vary along the window, a reduction; filter per
// output channel, or per channel for a depthwise convolution), and
// --quantc-conv-to-gemm + --quantc-fuse run it as int8: 3 GEMMs and one
// direct depthwise kernel, nothing left in float.
// RUN: quantc-opt %s --quantc-quantize --quantc-verify-gemm -split-input-file 2>/dev/null | FileCheck %s --check-prefix=LEGAL
// RUN: quantc-opt %s --quantc-quantize --quantc-conv-to-gemm --quantc-fuse -split-input-file 2>/dev/null | FileCheck %s --check-prefix=FUSED
// LEGAL-COUNT-6: quantc.gemm = "int8"
// LEGAL-NOT: quantc.gemm =
// FUSED-NOT: linalg.conv_
// FUSED-COUNT-3: quantc.matmul
// FUSED-NOT: linalg.conv_
// FUSED: quantc.depthwise_int8
// FUSED-NOT: linalg.depthwise_conv

// Filter [KH=1, KW=1, C=2, F=2]: output channel 0 has absmax 1 (scale
// 1/127; 0.5 -> 63.5 -> 64, half to even), channel 1 absmax 4 (scale 4/127;
// -2 -> -63.5 -> -64).
// CHECK-LABEL: func.func @hwcf
// CHECK-DAG: %[[WQ:.+]] = arith.constant dense<{{\[\[\[}}[127, -64], [64, 127]]]]> : tensor<1x1x2x2xi8>
// CHECK-DAG: %[[WS:.+]] = arith.constant dense<{{\[\[\[}}[0.00787401571, 0.0314960629]]]]> : tensor<1x1x1x2xf32>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %[[WS]]
// CHECK: %[[XS:.+]] = quantc.compute_scale %{{.+}} {dims = array<i64: 1, 2, 3>} : tensor<2x5x5x2xf32> -> tensor<2x1x1x1xf32>
// CHECK: %[[XQ:.+]] = quantc.quantize %{{.+}}, %[[XS]]
// CHECK: %[[XD:.+]] = quantc.dequantize %[[XQ]], %[[XS]]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XD]], %[[WD]] :
func.func @hwcf(%x: tensor<2x5x5x2xf32>) -> tensor<2x5x5x2xf32> {
  %w = arith.constant dense<[[[[1.0, -2.0], [0.5, 4.0]]]]> : tensor<1x1x2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x5x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x5x2xf32>) -> tensor<2x5x5x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<2x5x5x2xf32>, tensor<1x1x2x2xf32>) outs(%init : tensor<2x5x5x2xf32>) -> tensor<2x5x5x2xf32>
  return %y : tensor<2x5x5x2xf32>
}

// -----

// PyTorch's layout: [N, C, H, W] x [F, C, KH, KW]; the filter scale is
// [F, 1, 1, 1], the activation's [N, 1, 1, 1].
// CHECK-LABEL: func.func @nchw_fchw
// CHECK: quantc.dequantize %{{.+}}, %{{.+}} : tensor<4x3x3x3xi8>, tensor<4x1x1x1xf32> -> tensor<4x3x3x3xf32>
// CHECK: quantc.compute_scale %{{.+}} {dims = array<i64: 1, 2, 3>} : tensor<1x3x9x9xf32> -> tensor<1x1x1x1xf32>
// CHECK: linalg.conv_2d_nchw_fchw
func.func @nchw_fchw(%x: tensor<1x3x9x9xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<0.25> : tensor<4x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<1x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @fhwc
// CHECK: quantc.dequantize %{{.+}}, %{{.+}} : tensor<6x3x3x4xi8>, tensor<6x1x1x1xf32> -> tensor<6x3x3x4xf32>
func.func @fhwc(%x: tensor<1x7x7x4xf32>) -> tensor<1x5x5x6xf32> {
  %w = arith.constant dense<-0.5> : tensor<6x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x6xf32>) -> tensor<1x5x5x6xf32>
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x7x7x4xf32>, tensor<6x3x3x4xf32>) outs(%init : tensor<1x5x5x6xf32>) -> tensor<1x5x5x6xf32>
  return %y : tensor<1x5x5x6xf32>
}

// -----

// A depthwise convolution has no channel reduction: its filter scale is
// per channel ([1, 1, C]).
// CHECK-LABEL: func.func @depthwise
// CHECK: quantc.dequantize %{{.+}}, %{{.+}} : tensor<3x3x8xi8>, tensor<1x1x8xf32> -> tensor<3x3x8xf32>
// CHECK: quantc.compute_scale %{{.+}} {dims = array<i64: 1, 2, 3>} : tensor<1x6x6x8xf32> -> tensor<1x1x1x1xf32>
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
func.func @depthwise(%x: tensor<1x6x6x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = arith.constant dense<0.125> : tensor<3x3x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// A zero-padded input: the activation under the tensor.pad is quantized and
// the pad re-applied to its dequantized value, so that --quantc-conv-to-gemm
// pads the int8 tensor (with the zero point 0), never the float one.
// CHECK-LABEL: func.func @padded
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x2xf32>)
// CHECK: %[[XS:.+]] = quantc.compute_scale %[[X]] {dims = array<i64: 1, 2, 3>} : tensor<1x4x4x2xf32> -> tensor<1x1x1x1xf32>
// CHECK: %[[XQ:.+]] = quantc.quantize %[[X]], %[[XS]]
// CHECK: %[[XD:.+]] = quantc.dequantize %[[XQ]], %[[XS]] : tensor<1x4x4x2xi8>, tensor<1x1x1x1xf32> -> tensor<1x4x4x2xf32>
// CHECK: %[[P:.+]] = tensor.pad %[[XD]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: linalg.conv_2d_nhwc_fhwc {{.*}} ins(%[[P]], %{{.+}} :
// A pad of another value stays in front of the quantization.
// CHECK-LABEL: func.func @padded_nonzero
// CHECK: %[[P2:.+]] = tensor.pad
// CHECK: quantc.compute_scale %[[P2]]
// FUSED-LABEL: func.func @padded
// FUSED-NOT: tensor<1x6x6x2xf32>
// FUSED: tensor.insert_slice {{.*}} : tensor<1x4x4x2xi8> into tensor<1x6x6x2xi8>
// FUSED-NOT: tensor<1x6x6x2xf32>
// FUSED: quantc.matmul
func.func @padded(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
  %w = arith.constant dense<0.5> : tensor<3x3x3x2xf32>
  %e = tensor.empty() : tensor<1x4x4x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p, %w : tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>) outs(%init : tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  return %y : tensor<1x4x4x3xf32>
}
func.func @padded_nonzero(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %one : f32
  } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
  %w = arith.constant dense<0.5> : tensor<3x3x3x2xf32>
  %e = tensor.empty() : tensor<1x4x4x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p, %w : tensor<1x6x6x2xf32>, tensor<3x3x3x2xf32>) outs(%init : tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  return %y : tensor<1x4x4x3xf32>
}
