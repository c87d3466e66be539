// RUN: quantc-opt %s --quantc-quantize="activations=per-tensor" | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize="activations=per-tensor" --quantc-conv-to-gemm --quantc-fuse | FileCheck %s --check-prefix=FUSED
// A static per-tensor activation scale for a convolution: max of the
// calibrated per-channel absmax (5) / 127.

// CHECK-LABEL: func.func @hwcf
// CHECK-DAG: %[[XS:.+]] = arith.constant dense<0.0393700786> : tensor<1x1x1x1xf32>
// CHECK-DAG: %[[O:.+]] = quantc.observe
// CHECK: %[[XQ:.+]] = quantc.quantize %[[O]], %[[XS]] : tensor<2x5x5x2xf32>, tensor<1x1x1x1xf32> -> tensor<2x5x5x2xi8>
// CHECK: %[[XD:.+]] = quantc.dequantize %[[XQ]], %[[XS]]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XD]], %{{.+}} :
// FUSED: quantc.matmul
// FUSED-NOT: linalg.conv_
func.func @hwcf(%x: tensor<2x5x5x2xf32>) -> tensor<2x3x3x2xf32> {
  %o = quantc.observe %x {absmax = dense<[5.0, 2.0]> : tensor<2xf32>} : tensor<2x5x5x2xf32>
  %w = arith.constant dense<[[[[1.0, -2.0], [0.5, 4.0]]], [[[1.0, -2.0], [0.5, 4.0]]], [[[1.0, -2.0], [0.5, 4.0]]]]> : tensor<3x1x2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x3x2xf32>) -> tensor<2x3x3x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%o, %w : tensor<2x5x5x2xf32>, tensor<3x1x2x2xf32>) outs(%init : tensor<2x3x3x2xf32>) -> tensor<2x3x3x2xf32>
  return %y : tensor<2x3x3x2xf32>
}
