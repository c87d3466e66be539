// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-verify-gemm -split-input-file 2>/dev/null | FileCheck %s --check-prefix=MARK-AFTER
// RUN: quantc-opt %s --quantc-verify-gemm --quantc-conv-to-gemm -split-input-file 2>/dev/null | FileCheck %s --check-prefix=MARK
// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse -split-input-file 2>/dev/null | FileCheck %s --check-prefix=COUNT
// RUN: quantc-opt %s -split-input-file --pass-pipeline="builtin.module(quantc-cpu-pipeline{cpu=vnni-emulated})" > %t 2>&1
// RUN: FileCheck %s --check-prefix=EXEC < %t
// RUN: FileCheck %s --check-prefix=EXEC-DW < %t

// Issue 17, "a test counts both": every QDQ convolution form the verifier
// marks int8 (whether it runs before --quantc-conv-to-gemm, whose GEMM or
// depthwise kernel carries the mark, or after it, on the GEMM) runs as int8
// after --quantc-conv-to-gemm + --quantc-fuse: 11 forms, 9 as one
// quantc.matmul each and 2 depthwise convolutions as the direct int8 kernel
// (a generic marked quantc.depthwise_int8, which is no contraction: the
// verifier run after the rewrite marks the 9 GEMMs only). Through the whole
// CPU pipeline: 9 calls of a VNNI GEMM kernel, and no remark that anything
// stays float or runs on the reference lowering.
// MARK-COUNT-11: quantc.gemm = "int8"
// MARK-NOT: quantc.gemm
// MARK-AFTER-COUNT-9: quantc.gemm = "int8"
// MARK-AFTER-NOT: quantc.gemm
// COUNT-COUNT-9: quantc.matmul
// COUNT-NOT: quantc.matmul
// COUNT-COUNT-2: quantc.depthwise_int8
// COUNT-NOT: quantc.depthwise_int8
// COUNT-NOT: quantc.matmul
// COUNT-NOT: linalg.matmul
// COUNT-NOT: linalg.conv_
// COUNT-NOT: linalg.depthwise_conv
// EXEC-NOT: {{stays|reference lowering}}
// EXEC-COUNT-9: llvm.call @__quantc_x86_gemm{{.*}}
// EXEC-NOT: {{stays|reference lowering}}
// EXEC-NOT: llvm.call @__quantc_x86_gemm{{.*}}
// The depthwise kernels on vectors of 16 channels: i8 loads widened to i32,
// i32 multiplies.
// EXEC-DW-LABEL: llvm.func @depthwise(
// EXEC-DW: llvm.sext %{{.*}} : vector<16xi8> to vector<16xi32>
// EXEC-DW: llvm.mul %{{.*}} : vector<16xi32>
// EXEC-DW-LABEL: llvm.func @depthwise_padded_stride2(
// EXEC-DW: llvm.sext %{{.*}} : vector<16xi8> to vector<16xi32>
// EXEC-DW: llvm.mul %{{.*}} : vector<16xi32>
// CHECK-NOT: linalg.matmul

// 3x3, two images, per-batch activation scale.
// CHECK-LABEL: func.func @hwcf_3x3
func.func @hwcf_3x3(%x: tensor<2x7x6x3xi8>, %xs: tensor<2x1x1x1xf32>, %w: tensor<3x3x3x5xi8>, %ws: tensor<1x1x1x5xf32>) -> tensor<2x5x4x5xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<2x7x6x3xi8>, tensor<2x1x1x1xf32> -> tensor<2x7x6x3xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x3x5xi8>, tensor<1x1x1x5xf32> -> tensor<3x3x3x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x4x5xf32>) -> tensor<2x5x4x5xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<2x7x6x3xf32>, tensor<3x3x3x5xf32>) outs(%init : tensor<2x5x4x5xf32>) -> tensor<2x5x4x5xf32>
  return %y : tensor<2x5x4x5xf32>
}

// -----

// CHECK-LABEL: func.func @hwcf_stride_dilation
func.func @hwcf_stride_dilation(%x: tensor<1x9x8x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x2x4x6xi8>, %ws: tensor<1x1x1x6xf32>) -> tensor<1x3x3x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x9x8x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x9x8x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x2x4x6xi8>, tensor<1x1x1x6xf32> -> tensor<3x2x4x6xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x6xf32>) -> tensor<1x3x3x6xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x9x8x4xf32>, tensor<3x2x4x6xf32>) outs(%init : tensor<1x3x3x6xf32>) -> tensor<1x3x3x6xf32>
  return %y : tensor<1x3x3x6xf32>
}

// -----

// No gather: the int8 activation is only collapsed.
// CHECK-LABEL: func.func @pointwise
// CHECK-NOT: linalg.copy
// CHECK-NOT: linalg.generic
// CHECK: quantc.matmul
func.func @pointwise(%x: tensor<1x5x5x8xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<1x1x8x16xi8>, %ws: tensor<1x1x1x16xf32>) -> tensor<1x5x5x16xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x5x5x8xi8>, tensor<1x1x1x1xf32> -> tensor<1x5x5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<1x1x8x16xi8>, tensor<1x1x1x16xf32> -> tensor<1x1x8x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x16xf32>) -> tensor<1x5x5x16xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x5x5x8xf32>, tensor<1x1x8x16xf32>) outs(%init : tensor<1x5x5x16xf32>) -> tensor<1x5x5x16xf32>
  return %y : tensor<1x5x5x16xf32>
}

// -----

// CHECK-LABEL: func.func @pointwise_stride2
func.func @pointwise_stride2(%x: tensor<1x5x5x8xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<1x1x8x16xi8>, %ws: tensor<1x1x1x16xf32>) -> tensor<1x3x3x16xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x5x5x8xi8>, tensor<1x1x1x1xf32> -> tensor<1x5x5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<1x1x8x16xi8>, tensor<1x1x1x16xf32> -> tensor<1x1x8x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x5x5x8xf32>, tensor<1x1x8x16xf32>) outs(%init : tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32>
  return %y : tensor<1x3x3x16xf32>
}

// -----

// CHECK-LABEL: func.func @fhwc
func.func @fhwc(%x: tensor<1x6x6x2xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<5x3x3x2xi8>, %ws: tensor<5x1x1x1xf32>) -> tensor<1x4x4x5xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x2xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x2xf32>
  %wd = quantc.dequantize %w, %ws : tensor<5x3x3x2xi8>, tensor<5x1x1x1xf32> -> tensor<5x3x3x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x2xf32>, tensor<5x3x3x2xf32>) outs(%init : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  return %y : tensor<1x4x4x5xf32>
}

// -----

// CHECK-LABEL: func.func @nchw
func.func @nchw(%x: tensor<2x3x7x7xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<4x3x3x3xi8>, %ws: tensor<4x1x1x1xf32>) -> tensor<2x4x3x3xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<2x3x7x7xi8>, tensor<1x1x1x1xf32> -> tensor<2x3x7x7xf32>
  %wd = quantc.dequantize %w, %ws : tensor<4x3x3x3xi8>, tensor<4x1x1x1xf32> -> tensor<4x3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%xd, %wd : tensor<2x3x7x7xf32>, tensor<4x3x3x3xf32>) outs(%init : tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  return %y : tensor<2x4x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @nwc
func.func @nwc(%x: tensor<1x10x3xi8>, %xs: tensor<1x1x1xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x6x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x10x3xi8>, tensor<1x1x1xf32> -> tensor<1x10x3xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  %y = linalg.conv_1d_nwc_wcf {dilations = dense<2> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
         ins(%xd, %wd : tensor<1x10x3xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  return %y : tensor<1x6x4xf32>
}

// -----

// Padded as frontends emit it, with an activation zero point: the pad moves
// to the int8 side (a fill with the zero point, the int8 input inserted into
// its interior), which the gather reads.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @padded_zero_point
// CHECK: %[[ZP:.*]] = arith.constant 3 : i8
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZP]] : i8) outs({{.*}} : tensor<1x7x7x4xi8>)
// CHECK: %[[P:.*]] = tensor.insert_slice %arg0 into %[[F]][0, 1, 1, 0] [1, 5, 5, 4] [1, 1, 1, 1] : tensor<1x5x5x4xi8> into tensor<1x7x7x4xi8>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[P]] : tensor<1x7x7x4xi8>) outs(%{{.*}} : tensor<1x5x5x3x3x4xi8>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: i8, %{{[a-z0-9_]+}}: i8):
// CHECK-NEXT: linalg.yield %[[V]] : i8
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x5x5x3x3x4xi8> into tensor<25x36xi8>
// CHECK: quantc.matmul %[[A]], {{.*}} lhs_zero_point
func.func @padded_zero_point(%x: tensor<1x5x5x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x5x5x8xf32> {
  %zp = arith.constant dense<3> : tensor<1x1x1x1xi8>
  %xd = quantc.dequantize %x, %xs zero_point %zp : tensor<1x5x5x4xi8>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xi8> -> tensor<1x5x5x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %cst = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %cst : f32
  } : tensor<1x5x5x4xf32> to tensor<1x7x7x4xf32>
  %e = tensor.empty() : tensor<1x5x5x8xf32>
  %init = linalg.fill ins(%cst : f32) outs(%e : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x7x7x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  return %y : tensor<1x5x5x8xf32>
}

// -----

// Zero-padded without a zero point: padded with 0 on the int8 side.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @padded
// CHECK: %[[ZP:.*]] = arith.constant 0 : i8
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZP]] : i8) outs({{.*}} : tensor<1x7x7x4xi8>)
// CHECK: %[[P:.*]] = tensor.insert_slice %arg0 into %[[F]][0, 1, 1, 0] [1, 5, 5, 4] [1, 1, 1, 1] : tensor<1x5x5x4xi8> into tensor<1x7x7x4xi8>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[P]] : tensor<1x7x7x4xi8>) outs(%{{.*}} : tensor<1x5x5x3x3x4xi8>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: i8, %{{[a-z0-9_]+}}: i8):
// CHECK-NEXT: linalg.yield %[[V]] : i8
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x5x5x3x3x4xi8> into tensor<25x36xi8>
// CHECK: quantc.matmul %[[A]], %{{[a-z0-9_]+}} {transpose_rhs}
func.func @padded(%x: tensor<1x5x5x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x5x5x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x5x5x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x5x5x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %cst = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %cst : f32
  } : tensor<1x5x5x4xf32> to tensor<1x7x7x4xf32>
  %e = tensor.empty() : tensor<1x5x5x8xf32>
  %init = linalg.fill ins(%cst : f32) outs(%e : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x7x7x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x5x5x8xf32>) -> tensor<1x5x5x8xf32>
  return %y : tensor<1x5x5x8xf32>
}

// -----

// A depthwise convolution with a per-channel activation scale (legal: its
// channel is no reduction): the direct int8 kernel.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.generic {{.*}}quantc.depthwise_int8
// CHECK: quantc.rescale
func.func @depthwise(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
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

// Padded (a zero pad of the dequantized tensor), stride 2, an activation
// zero point, per-tensor activation scale: the direct int8 kernel, padded
// with the zero point on the integer side.
// CHECK-LABEL: func.func @depthwise_padded_stride2
// CHECK: linalg.generic {{.*}}quantc.depthwise_int8
// CHECK: quantc.rescale
func.func @depthwise_padded_stride2(%x: tensor<1x7x7x5xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x5xi8>, %ws: tensor<1x1x5xf32>) -> tensor<1x4x4x5xf32> {
  %zp = arith.constant dense<3> : tensor<1x1x1x1xi8>
  %xd = quantc.dequantize %x, %xs zero_point %zp : tensor<1x7x7x5xi8>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xi8> -> tensor<1x7x7x5xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x5xi8>, tensor<1x1x5xf32> -> tensor<3x3x5xf32>
  %zero = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x7x7x5xf32> to tensor<1x9x9x5xf32>
  %e = tensor.empty() : tensor<1x4x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x9x9x5xf32>, tensor<3x3x5xf32>) outs(%init : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  return %y : tensor<1x4x4x5xf32>
}
