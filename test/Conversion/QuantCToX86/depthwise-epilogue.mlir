// RUN: quantc-opt %s --quantc-conv-to-gemm --quantc-fuse --quantc-lower-matmul-to-x86 -split-input-file | FileCheck %s

// An int8 depthwise convolution over a run-time filter (which the direct x86
// kernel of depthwise-kernel.mlir does not take) stays the vectorized
// generic of --quantc-conv-to-gemm.
// The direct int8 depthwise kernel's epilogue (the quantc.rescale into which
// --quantc-fuse folded the bias and the ReLU) is fused into the kernel's
// generic: the window sum in i32, then the rescale's arithmetic in the same
// body (emitRescaleEpilogue), no i32 tensor in between.
// CHECK-LABEL: func.func @dw
// CHECK-NOT: quantc.rescale
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<1x4x4x4xf32>)
// CHECK-NOT: quantc.depthwise_int8
// CHECK: ^bb0(
// CHECK-COUNT-9: arith.muli
// CHECK: %[[F:.+]] = arith.sitofp %{{.+}} : i32 to f32
// CHECK: %[[A:.+]] = arith.mulf %[[F]], %{{.+}} : f32
// CHECK: %[[B:.+]] = arith.mulf %[[A]], %{{.+}} : f32
// CHECK: %[[C:.+]] = arith.addf %[[B]], %{{.+}} : f32
// CHECK: %[[R:.+]] = arith.maximumf %[[C]], %{{.+}} : f32
// CHECK: linalg.yield %[[R]] : f32
// CHECK-NOT: quantc.rescale
// CHECK: return %[[Y]]
func.func @dw(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %b: tensor<1x1x1x4xf32>, %w: tensor<3x3x4xi8>) -> tensor<1x4x4x4xf32> {
  %ws = arith.constant dense<0.5> : tensor<1x1x4xf32>
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %bb = tensor.empty() : tensor<1x4x4x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (0, 0, 0, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %b : tensor<1x4x4x4xf32>, tensor<1x1x1x4xf32>) outs(%bb : tensor<1x4x4x4xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// -----

// An integer depthwise convolution (i8 x i8 -> i32) has no epilogue: its
// accumulator is the result.
// CHECK-LABEL: func.func @integer
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x4x4x4xi32>) attrs = {quantc.depthwise_int8{{.*}}}
// CHECK-NOT: arith.sitofp
// CHECK: return %[[ACC]]
func.func @integer(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4xi8>) -> tensor<1x4x4x4xi32> {
  %c0 = arith.constant 0 : i32
  %ei = tensor.empty() : tensor<1x4x4x4xi32>
  %initi = linalg.fill ins(%c0 : i32) outs(%ei : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  %yi = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>) outs(%initi : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %yi : tensor<1x4x4x4xi32>
}
