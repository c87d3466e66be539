// --quantc-report-cost sizes a convolution as the GEMM it runs as (its
// loops), not from its input's image: a 2x7x6x3 NHWC input, 3x3x3x5 filter
// and 2x5x4x5 output is N = 2*5*4 = 40 output pixels, C = 3*3*3 = 27 and
// D = 5, as after --quantc-conv-to-gemm (it reported N=2 C=126: 4.3x too
// little work, and far less for large images). A depthwise convolution's
// channels are its batch.
// RUN: quantc-opt %s --quantc-report-cost=target=h100 -o /dev/null 2>&1 | FileCheck %s
// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-report-cost=target=h100 -o /dev/null 2>&1 | FileCheck %s --check-prefix=GEMM

// CHECK: remark: quantc cost: linalg.conv_2d_nhwc_hwcf N=40 C=27 D=5
// CHECK: note: FP16: GEMM ops 1.08e+04,
// GEMM: remark: quantc cost: linalg.matmul N=40 C=27 D=5
// GEMM: note: FP16: GEMM ops 1.08e+04,
func.func @nhwc_hwcf(%x: tensor<2x7x6x3xf32>, %w: tensor<3x3x3x5xf32>) -> tensor<2x5x4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x4x5xf32>) -> tensor<2x5x4x5xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<2x7x6x3xf32>, tensor<3x3x3x5xf32>) outs(%init : tensor<2x5x4x5xf32>) -> tensor<2x5x4x5xf32>
  return %y : tensor<2x5x4x5xf32>
}

// Depthwise, 8 channels, stride 2: 2*3*3 = 18 output pixels per channel,
// a 3x3 window, one column per channel (the channels are the batch).
// CHECK: remark: quantc cost: linalg.depthwise_conv_2d_nhwc_hwc N=18 C=9 D=1 batch=8
func.func @depthwise(%x: tensor<2x7x7x8xf32>, %w: tensor<3x3x8xf32>) -> tensor<2x3x3x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x3x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x3x8xf32>) -> tensor<2x3x3x8xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<2x7x7x8xf32>, tensor<3x3x8xf32>) outs(%init : tensor<2x3x3x8xf32>) -> tensor<2x3x3x8xf32>
  return %y : tensor<2x3x3x8xf32>
}
