// RUN: quantc-opt %s --quantc-verify-gemm | FileCheck %s --check-prefix=MARK
// RUN: quantc-opt %s --quantc-verify-gemm --quantc-conv-to-gemm --quantc-fuse -verify-diagnostics | FileCheck %s --check-prefix=EXEC --implicit-check-not=linalg.conv --implicit-check-not=linalg.depthwise_conv --implicit-check-not=linalg.quantized --implicit-check-not=linalg.matmul
// RUN: quantc-opt %s --quantc-verify-gemm --quantc-conv-to-gemm --quantc-fuse | grep -c -E "= quantc[.]matmul |quantc[.]depthwise_int8" | FileCheck %s --check-prefix=COUNT

// The verifier's marks and the executed form agree (issue 17 items 1-2), on
// a file of every convolution and `_q` form: each of the 11 contractions is
// marked int8 by --quantc-verify-gemm, and after --quantc-conv-to-gemm and
// --quantc-fuse (the pipelines' order) each is an int8 kernel: quantc.matmul
// (the VNNI / Tensor Core GEMM) or the direct int8 depthwise kernel (a
// generic marked quantc.depthwise_int8), with no remark (an int8
// contraction left in float would remark) and no float contraction left.
// MARK-COUNT-11: quantc.gemm = "int8"
// MARK-NOT: quantc.gemm
// COUNT: {{^}}11{{$}}

// EXEC-LABEL: func.func @quantized_matmul
// EXEC: quantc.matmul
func.func @quantized_matmul(%a: tensor<5x8xi8>, %b: tensor<8x6xi8>, %za: i32, %zb: i32) -> tensor<5x6xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x6xi32>) -> tensor<5x6xi32>
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi8>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}

// EXEC-LABEL: func.func @quantized_batch_matmul
// EXEC: quantc.matmul
func.func @quantized_batch_matmul(%a: tensor<2x5x8xi8>, %b: tensor<2x8x6xi8>, %za: i32, %zb: i32) -> tensor<2x5x6xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<2x5x6xi32>) -> tensor<2x5x6xi32>
  %r = linalg.quantized_batch_matmul ins(%a, %b, %za, %zb : tensor<2x5x8xi8>, tensor<2x8x6xi8>, i32, i32) outs(%init : tensor<2x5x6xi32>) -> tensor<2x5x6xi32>
  return %r : tensor<2x5x6xi32>
}

// EXEC-LABEL: func.func @conv_2d_nhwc_hwcf_q
// EXEC: quantc.matmul
func.func @conv_2d_nhwc_hwcf_q(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4x8xi8>, %zx: i32, %zw: i32) -> tensor<1x4x4x8xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x8xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  %r = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4x8xi8>, i32, i32) outs(%init : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  return %r : tensor<1x4x4x8xi32>
}

// EXEC-LABEL: func.func @conv_2d_nhwc_fhwc_q
// EXEC: quantc.matmul
func.func @conv_2d_nhwc_fhwc_q(%x: tensor<1x6x6x4xi8>, %w: tensor<8x3x3x4xi8>, %zx: i32, %zw: i32) -> tensor<1x4x4x8xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x8xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  %r = linalg.conv_2d_nhwc_fhwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<8x3x3x4xi8>, i32, i32) outs(%init : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  return %r : tensor<1x4x4x8xi32>
}

// EXEC-LABEL: func.func @conv_2d_nchw_fchw_q
// EXEC: quantc.matmul
func.func @conv_2d_nchw_fchw_q(%x: tensor<1x4x6x6xi8>, %w: tensor<8x4x3x3xi8>, %zx: i32, %zw: i32) -> tensor<1x8x4x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x8x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x8x4x4xi32>) -> tensor<1x8x4x4xi32>
  %r = linalg.conv_2d_nchw_fchw_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x4x6x6xi8>, tensor<8x4x3x3xi8>, i32, i32) outs(%init : tensor<1x8x4x4xi32>) -> tensor<1x8x4x4xi32>
  return %r : tensor<1x8x4x4xi32>
}

// EXEC-LABEL: func.func @depthwise_conv_2d_nhwc_hwc_q
// EXEC: linalg.generic {{.*}}quantc.depthwise_int8
func.func @depthwise_conv_2d_nhwc_hwc_q(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4xi8>, %zx: i32, %zw: i32) -> tensor<1x4x4x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  %r = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>, i32, i32) outs(%init : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %r : tensor<1x4x4x4xi32>
}

// EXEC-LABEL: func.func @conv_2d_nhwc_hwcf_qdq
// EXEC: quantc.matmul
func.func @conv_2d_nhwc_hwcf_qdq(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %r : tensor<1x4x4x8xf32>
}

// EXEC-LABEL: func.func @conv_2d_nhwc_fhwc_qdq
// EXEC: quantc.matmul
func.func @conv_2d_nhwc_fhwc_qdq(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<8x3x3x4xi8>, %ws: tensor<8x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x3x3x4xi8>, tensor<8x1x1x1xf32> -> tensor<8x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<8x3x3x4xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %r : tensor<1x4x4x8xf32>
}

// EXEC-LABEL: func.func @conv_2d_nchw_fchw_qdq
// EXEC: quantc.matmul
func.func @conv_2d_nchw_fchw_qdq(%x: tensor<1x4x6x6xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<8x4x3x3xi8>, %ws: tensor<8x1x1x1xf32>) -> tensor<1x8x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x4x6x6xi8>, tensor<1x1x1x1xf32> -> tensor<1x4x6x6xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x4x3x3xi8>, tensor<8x1x1x1xf32> -> tensor<8x4x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x4x6x6xf32>, tensor<8x4x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %r : tensor<1x8x4x4xf32>
}

// EXEC-LABEL: func.func @depthwise_conv_2d_nhwc_hwc_qdq
// EXEC: linalg.generic {{.*}}quantc.depthwise_int8
func.func @depthwise_conv_2d_nhwc_hwc_qdq(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %r = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// EXEC-LABEL: func.func @qdq_matmul
// EXEC: quantc.matmul
func.func @qdq_matmul(%x: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %w: tensor<16x8xi8>, %ws: tensor<1x8xf32>) -> tensor<4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %wd = quantc.dequantize %w, %ws : tensor<16x8xi8>, tensor<1x8xf32> -> tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = linalg.matmul ins(%xd, %wd : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
