// RUN: quantc-opt %s --quantc-verify-gemm --quantc-conv-to-gemm --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s

// A contraction --quantc-verify-gemm marks int8 (or int8-kblocked) that the
// later passes leave off the int8 kernels says why, in a remark on the op
// (issue 17 item 1): --quantc-conv-to-gemm for the convolution it does not
// rewrite, --quantc-fuse for the int8 GEMM it leaves as it is.

// A `_q` convolution with a dynamic batch: no im2col rewrite.
// CHECK-LABEL: func.func @conv_q_dynamic
// CHECK: linalg.conv_2d_nhwc_hwcf_q
// CHECK-SAME: quantc.gemm = "int8"
func.func @conv_q_dynamic(%x: tensor<?x6x6x4xi8>, %w: tensor<3x3x4x8xi8>, %init: tensor<?x4x4x8xi32>) -> tensor<?x4x4x8xi32> {
  %zx = arith.constant 3 : i32
  %zw = arith.constant 0 : i32
  // expected-remark-re @+2 {{stays a convolution (not rewritten as an im2col GEMM): its shapes are not static}}
  // expected-remark-re @+1 {{verified as an int8 GEMM but stays a float GEMM: it is a convolution that --quantc-conv-to-gemm does not rewrite as a GEMM: its shapes are not static}}
  %r = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<?x6x6x4xi8>, tensor<3x3x4x8xi8>, i32, i32) outs(%init : tensor<?x4x4x8xi32>) -> tensor<?x4x4x8xi32>
  return %r : tensor<?x4x4x8xi32>
}

// -----

// A QDQ convolution whose activation scale varies along the input channels
// in blocks of 32: int8-kblocked, which the im2col rewrite does not take.
// CHECK-LABEL: func.func @conv_kblocked
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-SAME: quantc.gemm = "int8-kblocked"
func.func @conv_kblocked(%x: tensor<1x64x6x6xi8>, %xs: tensor<1x2x1x1xf32>, %w: tensor<8x64x3x3xi8>, %ws: tensor<8x1x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x64x6x6xi8>, tensor<1x2x1x1xf32> -> tensor<1x64x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x64x3x3xi8>, tensor<8x1x1x1xf32> -> tensor<8x64x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  // expected-remark @+1 {{stays a convolution (not rewritten as an im2col GEMM): its scales vary along the input channels in blocks (a K-blocked GEMM), which the im2col rewrite does not take}}
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x64x6x6xf32>, tensor<8x64x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// A `_q` depthwise convolution with a dynamic batch.
// CHECK-LABEL: func.func @depthwise_q_dynamic
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc_q
// CHECK-SAME: quantc.gemm = "int8"
func.func @depthwise_q_dynamic(%x: tensor<?x6x6x4xi8>, %w: tensor<3x3x4xi8>, %init: tensor<?x4x4x4xi32>) -> tensor<?x4x4x4xi32> {
  %zx = arith.constant 3 : i32
  %zw = arith.constant 0 : i32
  // expected-remark-re @+2 {{stays a depthwise convolution (not rewritten as vector code): {{.*}}}}
  // expected-remark-re @+1 {{verified as an int8 GEMM but stays a float GEMM: it is a convolution that --quantc-conv-to-gemm does not rewrite as a GEMM: {{.*}}}}
  %r = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<?x6x6x4xi8>, tensor<3x3x4xi8>, i32, i32) outs(%init : tensor<?x4x4x4xi32>) -> tensor<?x4x4x4xi32>
  return %r : tensor<?x4x4x4xi32>
}

// -----

// A quantized_matmul with an i16 accumulator stays a linalg op.
// CHECK-LABEL: func.func @quantized_matmul_i16_acc
// CHECK: linalg.quantized_matmul
func.func @quantized_matmul_i16_acc(%a: tensor<5x8xi8>, %b: tensor<8x6xi8>, %za: i32, %zb: i32, %init: tensor<5x6xi16>) -> tensor<5x6xi16> {
  // expected-remark @+1 {{stays a linalg op: its accumulator is not i32}}
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi8>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi16>) -> tensor<5x6xi16>
  return %r : tensor<5x6xi16>
}
