// RUN: quantc-opt %s --quantc-conv-to-gemm -split-input-file -verify-diagnostics | FileCheck %s

// Convolutions as an im2col gather + one 2-D linalg.matmul (issues 17, 19).

// A 3x3 convolution: the gather is one all-parallel linalg.generic over
// [N, OH, OW, KH, KW, C] whose input map reads in[n, oh + kh, ow + kw, c]
// (an identity output map onto a tensor.empty, a body that yields the
// input), collapsed to [N*OH*OW, KH*KW*C]; the HWCF filter is a pure
// collapse to [KH*KW*C, F]; the matmul's rows expand back to NHWC.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @nhwc_hwcf
// CHECK-SAME: (%[[X:.*]]: tensor<2x7x6x3xf32>, %[[W:.*]]: tensor<3x3x3x5xf32>)
// CHECK-NOT: linalg.copy
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x5x4x3x3x3xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<2x7x6x3xf32>) outs(%[[E]] : tensor<2x5x4x3x3x3xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK-NEXT: } -> tensor<2x5x4x3x3x3xf32>
// CHECK-NOT: linalg.copy
// CHECK-NOT: linalg.generic
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<2x5x4x3x3x3xf32> into tensor<40x27xf32>
// CHECK: %[[B:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1, 2], [3]] : tensor<3x3x3x5xf32> into tensor<27x5xf32>
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<40x5xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<40x27xf32>, tensor<27x5xf32>) outs(%[[Z]] : tensor<40x5xf32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[M]] {{\[}}[0, 1, 2], [3]] output_shape [2, 5, 4, 5] : tensor<40x5xf32> into tensor<2x5x4x5xf32>
// CHECK: return %[[Y]]
// CHECK-NOT: linalg.conv
func.func @nhwc_hwcf(%x: tensor<2x7x6x3xf32>, %w: tensor<3x3x3x5xf32>) -> tensor<2x5x4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x4x5xf32>) -> tensor<2x5x4x5xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<2x7x6x3xf32>, tensor<3x3x3x5xf32>) outs(%init : tensor<2x5x4x5xf32>) -> tensor<2x5x4x5xf32>
  return %y : tensor<2x5x4x5xf32>
}

// -----

// Strides and dilations go into the gather's input map: row oh*sh + kh*dh,
// column ow*sw + kw*dw (strides [2, 3], dilations [2, 1]).
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3 * 2, d2 * 3 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @strides_dilations
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x3x3x3x2x4xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x9x8x4xf32>) outs(%[[E]] : tensor<1x3x3x3x2x4xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x3x3x3x2x4xf32> into tensor<9x24xf32>
// CHECK: linalg.matmul {{.*}} -> tensor<9x6xf32>
func.func @strides_dilations(%x: tensor<1x9x8x4xf32>, %w: tensor<3x2x4x6xf32>) -> tensor<1x3x3x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x6xf32>) -> tensor<1x3x3x6xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
         ins(%x, %w : tensor<1x9x8x4xf32>, tensor<3x2x4x6xf32>) outs(%init : tensor<1x3x3x6xf32>) -> tensor<1x3x3x6xf32>
  return %y : tensor<1x3x3x6xf32>
}

// -----

// A 1x1 convolution with unit strides reads every pixel once: no gather.
// CHECK-LABEL: func.func @pointwise
// CHECK-NOT: linalg.copy
// CHECK-NOT: linalg.generic
// CHECK: %[[A:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : tensor<2x5x5x8xf32> into tensor<50x8xf32>
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul ins(%[[A]], {{.*}} : tensor<50x8xf32>, tensor<8x16xf32>)
func.func @pointwise(%x: tensor<2x5x5x8xf32>, %w: tensor<1x1x8x16xf32>) -> tensor<2x5x5x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x5x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x5x16xf32>) -> tensor<2x5x5x16xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<2x5x5x8xf32>, tensor<1x1x8x16xf32>) outs(%init : tensor<2x5x5x16xf32>) -> tensor<2x5x5x16xf32>
  return %y : tensor<2x5x5x16xf32>
}

// -----

// A 1x1 convolution with stride 2 skips pixels: a gather of in[n, 2*oh,
// 2*ow, c].
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @pointwise_stride2
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x5x5x8xf32>) outs(%{{.*}} : tensor<1x3x3x1x1x8xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK-NOT: linalg.copy
// CHECK-NOT: linalg.generic
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x3x3x1x1x8xf32> into tensor<9x8xf32>
// CHECK-NOT: linalg.copy
// CHECK: linalg.matmul ins(%[[A]], {{.*}} : tensor<9x8xf32>, tensor<8x16xf32>
func.func @pointwise_stride2(%x: tensor<1x5x5x8xf32>, %w: tensor<1x1x8x16xf32>) -> tensor<1x3x3x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<1x5x5x8xf32>, tensor<1x1x8x16xf32>) outs(%init : tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32>
  return %y : tensor<1x3x3x16xf32>
}

// -----

// FHWC: the gather's K is (KH, KW, C), as for HWCF; the filter is
// transposed to [KH, KW, C, F] before the collapse.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @nhwc_fhwc
// CHECK-NOT: linalg.copy
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x6x6x2xf32>) outs(%{{.*}} : tensor<1x4x4x3x3x2xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x2xf32> into tensor<16x18xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg1 : tensor<5x3x3x2xf32>) outs({{.*}} : tensor<3x3x2x5xf32>) permutation = [1, 2, 3, 0]
// CHECK: tensor.collapse_shape %[[T]]
// CHECK: linalg.matmul ins(%[[A]], {{.*}} : tensor<16x18xf32>, tensor<18x5xf32>
func.func @nhwc_fhwc(%x: tensor<1x6x6x2xf32>, %w: tensor<5x3x3x2xf32>) -> tensor<1x4x4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x6x6x2xf32>, tensor<5x3x3x2xf32>) outs(%init : tensor<1x4x4x5xf32>) -> tensor<1x4x4x5xf32>
  return %y : tensor<1x4x4x5xf32>
}

// -----

// NCHW: the gather reads in[n, c, oh*2 + kh, ow*2 + kw] into
// [N, OH, OW, C, KH, KW] (no transpose of the input): K is ordered
// (C, KH, KW) like the FCHW filter; the rows are transposed back to
// [N, F, OH, OW].
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 * 2 + d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @nchw_fchw
// CHECK-NOT: linalg.transpose
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3x3x3x3x3xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<2x3x7x7xf32>) outs(%[[E]] : tensor<2x3x3x3x3x3xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK-NOT: linalg.transpose
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<2x3x3x3x3x3xf32> into tensor<18x27xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.transpose ins(%arg1 : tensor<4x3x3x3xf32>) outs({{.*}} : tensor<3x3x3x4xf32>) permutation = [1, 2, 3, 0]
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[A]], {{.*}} : tensor<18x27xf32>, tensor<27x4xf32>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[M]] {{.*}} into tensor<2x3x3x4xf32>
// CHECK: %[[Y:.*]] = linalg.transpose ins(%[[R]] : tensor<2x3x3x4xf32>) outs({{.*}} : tensor<2x4x3x3xf32>) permutation = [0, 3, 1, 2]
// CHECK: return %[[Y]]
func.func @nchw_fchw(%x: tensor<2x3x7x7xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<2x3x7x7xf32>, tensor<4x3x3x3xf32>) outs(%init : tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  return %y : tensor<2x4x3x3xf32>
}

// -----

// 1-D, dilation 2 (the gather reads in[n, ow + 2*kw, c] into [N, OW, KW, C]),
// with an accumulator that does not start at zero (bias in outs): the
// init is collapsed into the matmul's outs.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 + d2 * 2, d3)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @nwc_wcf_accumulate
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x6x3x3xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x10x3xf32>) outs(%[[E]] : tensor<1x6x3x3xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2, 3]] : tensor<1x6x3x3xf32> into tensor<6x9xf32>
// CHECK: %[[ACC:.*]] = tensor.collapse_shape %arg2 {{\[}}[0, 1], [2]] : tensor<1x6x4xf32> into tensor<6x4xf32>
// CHECK: linalg.matmul ins(%[[A]], {{.*}} : tensor<6x9xf32>, tensor<9x4xf32>) outs(%[[ACC]] : tensor<6x4xf32>)
func.func @nwc_wcf_accumulate(%x: tensor<1x10x3xf32>, %w: tensor<3x3x4xf32>, %acc: tensor<1x6x4xf32>) -> tensor<1x6x4xf32> {
  %y = linalg.conv_1d_nwc_wcf {dilations = dense<2> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
         ins(%x, %w : tensor<1x10x3xf32>, tensor<3x3x4xf32>) outs(%acc : tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  return %y : tensor<1x6x4xf32>
}

// -----

// QDQ, per-tensor activation x per-output-channel filter: the gather runs on
// the int8 tensor and the dequantize follows it; the scales are reshaped to
// the GEMM's [1, 1] and [1, F].
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @qdq_per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x6x4xi8>, %[[XS:.*]]: tensor<1x1x1x1xf32>, %[[W:.*]]: tensor<3x3x4x8xi8>, %[[WS:.*]]: tensor<1x1x1x8xf32>)
// CHECK-NOT: quantc.dequantize
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<1x6x6x4xi8>) outs(%{{.*}} : tensor<1x4x4x3x3x4xi8>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: i8, %{{[a-z0-9_]+}}: i8):
// CHECK-NEXT: linalg.yield %[[V]] : i8
// CHECK: %[[GI:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x4xi8> into tensor<16x36xi8>
// CHECK: %[[XS2:.*]] = tensor.expand_shape {{.*}} into tensor<1x1xf32>
// CHECK: %[[A:.*]] = quantc.dequantize %[[GI]], %[[XS2]] : tensor<16x36xi8>, tensor<1x1xf32> -> tensor<16x36xf32>
// CHECK: %[[WI:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1, 2], [3]] : tensor<3x3x4x8xi8> into tensor<36x8xi8>
// CHECK: %[[WS2:.*]] = tensor.expand_shape {{.*}} into tensor<1x8xf32>
// CHECK: %[[B:.*]] = quantc.dequantize %[[WI]], %[[WS2]] : tensor<36x8xi8>, tensor<1x8xf32> -> tensor<36x8xf32>
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<16x36xf32>, tensor<36x8xf32>)
func.func @qdq_per_tensor(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
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

// A per-batch activation scale becomes one value per GEMM row (per token).
// CHECK-DAG: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK-DAG: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-DAG: #[[$BC:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, 0, 0)>
// CHECK-LABEL: func.func @qdq_per_batch
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<2x6x6x4xi8>) outs(%{{.*}} : tensor<2x4x4x3x3x4xi8>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: i8, %{{[a-z0-9_]+}}: i8):
// CHECK-NEXT: linalg.yield %[[V]] : i8
// CHECK: %[[GI:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<2x4x4x3x3x4xi8> into tensor<32x36xi8>
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[$BC]], {{.*}}]{{.*}} ins(%arg1 : tensor<2x1x1x1xf32>) outs({{.*}} : tensor<2x16x1xf32>)
// CHECK: %[[S2:.*]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1], [2]] : tensor<2x16x1xf32> into tensor<32x1xf32>
// CHECK: quantc.dequantize %[[GI]], %[[S2]] : tensor<32x36xi8>, tensor<32x1xf32> -> tensor<32x36xf32>
func.func @qdq_per_batch(%x: tensor<2x6x6x4xi8>, %xs: tensor<2x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<2x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<2x6x6x4xi8>, tensor<2x1x1x1xf32> -> tensor<2x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x4x8xf32>) -> tensor<2x4x4x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<2x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<2x4x4x8xf32>) -> tensor<2x4x4x8xf32>
  return %y : tensor<2x4x4x8xf32>
}

// -----

// A zero tensor.pad between the dequantize and the convolution (how
// frontends pad) moves to the int8 side, padding with the zero point; it is
// built as a fill with the source inserted into its interior (which the
// source's producer then writes in place after empty-tensor elimination);
// the gather reads the padded int8 tensor.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @qdq_padded_zero_point
// CHECK-NOT: tensor.pad
// CHECK: %[[ZP:.*]] = arith.constant 3 : i8
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZP]] : i8) outs({{.*}} : tensor<1x7x7x4xi8>)
// CHECK: %[[P:.*]] = tensor.insert_slice %arg0 into %[[F]][0, 1, 1, 0] [1, 5, 5, 4] [1, 1, 1, 1]
// CHECK-NOT: quantc.dequantize
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[P]] : tensor<1x7x7x4xi8>) outs(%{{.*}} : tensor<1x5x5x3x3x4xi8>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: i8, %{{[a-z0-9_]+}}: i8):
// CHECK-NEXT: linalg.yield %[[V]] : i8
// CHECK: %[[GI:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x5x5x3x3x4xi8> into tensor<25x36xi8>
// CHECK: quantc.dequantize %[[GI]], {{.*}} : tensor<25x36xi8>, tensor<1x1xf32>, tensor<1x1xi8> -> tensor<25x36xf32>
// CHECK: linalg.matmul
func.func @qdq_padded_zero_point(%x: tensor<1x5x5x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x5x5x8xf32> {
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

// Weight-only: the float activation is gathered, the int8 filter collapsed
// and dequantized after.
// CHECK: #[[$GMAP:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK: #[[$GID:[a-z0-9_]+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @weight_only
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$GMAP]], #[[$GID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x6x6x4xf32>) outs(%{{.*}} : tensor<1x4x4x3x3x4xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK: %[[A:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x4xf32> into tensor<16x36xf32>
// CHECK: %[[B:.*]] = quantc.dequantize {{.*}} : tensor<36x8xi8>, tensor<1x8xf32> -> tensor<36x8xf32>
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<16x36xf32>, tensor<36x8xf32>)
func.func @weight_only(%x: tensor<1x6x6x4xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// A float depthwise convolution (no channel reduction, no GEMM): one
// all-parallel generic over the output reading the 2 x 2 strided, dilated
// input windows and the filter taps broadcast along the pixels, summed in the
// convolution's order onto the init.
// CHECK-LABEL: func.func @depthwise
// CHECK-SAME: (%[[X:.+]]: tensor<1x7x7x4xf32>, %[[W:.+]]: tensor<2x2x4xf32>)
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-DAG: %[[S00:.+]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 3, 3, 4] [1, 2, 2, 1]
// CHECK-DAG: %[[F00:.+]] = tensor.extract_slice %[[W]][0, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<2x2x4xf32> to tensor<4xf32>
// CHECK-DAG: %[[S01:.+]] = tensor.extract_slice %[[X]][0, 0, 2, 0] [1, 3, 3, 4] [1, 2, 2, 1]
// CHECK-DAG: %[[S11:.+]] = tensor.extract_slice %[[X]][0, 2, 2, 0] [1, 3, 3, 4] [1, 2, 2, 1]
// CHECK: linalg.generic {indexing_maps = [#[[ID:.+]], #[[CH:.+]], #[[ID]], #[[CH]], #[[ID]], #[[CH]], #[[ID]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[S00]], %[[F00]], %[[S01]]
// CHECK: ^bb0(%[[A0:.+]]: f32, %[[B0:.+]]: f32, %{{.+}}: f32, %{{.+}}: f32, %{{.+}}: f32, %{{.+}}: f32, %{{.+}}: f32, %{{.+}}: f32, %[[OUT:.+]]: f32):
// CHECK: %[[P0:.+]] = arith.mulf %[[A0]], %[[B0]]
// CHECK: arith.addf %[[OUT]], %[[P0]]
// CHECK-COUNT-3: arith.mulf
func.func @depthwise(%x: tensor<1x7x7x4xf32>, %w: tensor<2x2x4xf32>) -> tensor<1x3x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<1x7x7x4xf32>, tensor<2x2x4xf32>) outs(%init : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %y : tensor<1x3x3x4xf32>
}

// -----

// A QDQ depthwise convolution: the direct int8 kernel, an all-parallel
// generic (marked quantc.depthwise_int8) summing the widened i8 products
// into an i32 accumulator from 0, then the activation zero point's
// correction - zx * sum_w (sum_w: each channel's filter taps, summed once),
// the zero tensor.pad moved to the integer side (padded with the zero
// point), then the GEMM epilogue with the per-tensor activation scale and
// the filter's per-channel scale as [1, 1, 1, C].
// CHECK-LABEL: func.func @depthwise_qdq
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x4xi8>, %[[XS:.+]]: tensor<1x1x1x1xf32>, %[[W:.+]]: tensor<3x3x4xi8>, %[[WS:.+]]: tensor<1x1x4xf32>)
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-NOT: quantc.dequantize
// CHECK: %[[ZP:.+]] = arith.constant -5 : i8
// CHECK: linalg.fill ins(%[[ZP]] : i8) outs(%{{.+}} : tensor<1x6x6x4xi8>)
// CHECK: %[[ACC0:.+]] = linalg.fill ins(%{{.+}} : i32) outs(%{{.+}} : tensor<1x4x4x4xi32>)
// CHECK: %[[SUMW:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<4xi32>)
// CHECK-COUNT-8: arith.addi
// CHECK: %[[ACC:.+]] = linalg.generic
// CHECK-SAME: %[[SUMW]] : {{.*}}tensor<4xi32>) outs(%[[ACC0]] : tensor<1x4x4x4xi32>)
// CHECK-SAME: quantc.depthwise_int8
// CHECK: ^bb0(%[[A0:[a-z0-9_]+]]: i8, %[[B0:[a-z0-9_]+]]: i8, {{.*}}, %[[SW:[a-z0-9_]+]]: i32, %[[OUT:[a-z0-9_]+]]: i32):
// CHECK: %[[Z:.+]] = arith.constant -5 : i32
// CHECK: %[[XA:.+]] = arith.extsi %[[A0]] : i8 to i32
// CHECK: %[[WB:.+]] = arith.extsi %[[B0]] : i8 to i32
// CHECK: %[[P:.+]] = arith.muli %[[XA]], %[[WB]] : i32
// CHECK: arith.addi %[[OUT]], %[[P]] : i32
// CHECK-COUNT-8: arith.muli
// CHECK: %[[C:.+]] = arith.muli %[[Z]], %[[SW]] : i32
// CHECK: arith.subi %{{.+}}, %[[C]] : i32
// CHECK-NEXT: linalg.yield
// CHECK: %[[WS4:.+]] = tensor.expand_shape
// CHECK: %[[Y:.+]] = quantc.rescale %[[ACC]], %[[XS]], %[[WS4]] : (tensor<1x4x4x4xi32>, tensor<1x1x1x1xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x4xf32>
// CHECK: return %[[Y]]
func.func @depthwise_qdq(%x: tensor<1x4x4x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %zp = arith.constant dense<-5> : tensor<1x1x1x1xi8>
  %xd = quantc.dequantize %x, %xs zero_point %zp : tensor<1x4x4x4xi8>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xi8> -> tensor<1x4x4x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %xp = tensor.pad %xd low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x4x4xf32> to tensor<1x6x6x4xf32>
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// A per-channel activation scale (legal: a depthwise channel is no
// reduction): the epilogue scales by it as a column scale (times a unit row
// scale), then a generic multiplies by the filter scale, the same operations
// in the same order.
// CHECK-LABEL: func.func @depthwise_qdq_per_channel
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}}quantc.depthwise_int8
// CHECK: %[[R:.+]] = quantc.rescale %[[ACC]], %{{.+}}, %{{.+}} : (tensor<1x4x4x4xi32>, tensor<1x1x1x1xf32>, tensor<1x1x1x4xf32>) -> tensor<1x4x4x4xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[R]], %{{.+}} : tensor<1x4x4x4xf32>, tensor<4xf32>)
// CHECK: arith.mulf
func.func @depthwise_qdq_per_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
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

// depthwise_conv_2d_nhwc_hwc_q with run-time zero points: read as rank-0
// tensors; the sum of products is corrected by
// - zx * sum_w - zw * sum_x + 9 * zx * zw; the i32 accumulator is the
// result.
// CHECK-LABEL: func.func @depthwise_q
// CHECK-SAME: (%[[X:.+]]: tensor<1x6x6x4xi8>, %[[W:.+]]: tensor<3x3x4xi8>, %[[ZX:.+]]: i32, %[[ZW:.+]]: i32, %[[INIT:.+]]: tensor<1x4x4x4xi32>)
// CHECK-DAG: %[[TZX:.+]] = tensor.from_elements %[[ZX]] : tensor<i32>
// CHECK-DAG: %[[TZW:.+]] = tensor.from_elements %[[ZW]] : tensor<i32>
// CHECK: %[[SUMW:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<4xi32>)
// CHECK: %[[ACC:.+]] = linalg.generic
// CHECK-SAME: %[[TZX]], %[[TZW]], %[[SUMW]] : {{.*}}tensor<i32>, tensor<i32>, tensor<4xi32>) outs(%[[INIT]] : tensor<1x4x4x4xi32>)
// CHECK-SAME: quantc.depthwise_int8
// CHECK-COUNT-9: arith.muli
// CHECK: %[[K:.+]] = arith.constant 9 : i32
// CHECK: arith.subi
// CHECK: arith.subi
// CHECK: %[[ZZ:.+]] = arith.muli %{{.+}}, %{{.+}} : i32
// CHECK: %[[KZZ:.+]] = arith.muli %[[K]], %[[ZZ]] : i32
// CHECK: arith.addi %{{.+}}, %[[KZZ]] : i32
// CHECK: return %[[ACC]]
func.func @depthwise_q(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4xi8>, %zx: i32, %zw: i32, %init: tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32> {
  %y = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>, i32, i32) outs(%init : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// A per-pixel activation scale is no int8 depthwise convolution (the
// verifier rejects it); it stays, with a remark.
// CHECK-LABEL: func.func @depthwise_per_pixel
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
func.func @depthwise_per_pixel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x6x1x1xf32>, %w: tensor<3x3x4xi8>, %ws: tensor<1x1x4xf32>) -> tensor<1x4x4x4xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x6x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4xi8>, tensor<1x1x4xf32> -> tensor<3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  // expected-remark @+1 {{stays a depthwise convolution (not rewritten as vector code): it is verified as illegal, not an int8 GEMM}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4xf32>) outs(%init : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_batch
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @dynamic_batch(%x: tensor<?x6x6x4xf32>, %w: tensor<3x3x4x8xf32>, %init: tensor<?x4x4x8xf32>) -> tensor<?x4x4x8xf32> {
  // expected-remark @+1 {{stays a convolution (not rewritten as an im2col GEMM): its shapes are not static}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<?x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<?x4x4x8xf32>) -> tensor<?x4x4x8xf32>
  return %y : tensor<?x4x4x8xf32>
}

// -----

// A per-input-channel activation scale varies along the reduction: no
// integer GEMM computes it, and the convolution stays for the verifier.
// CHECK-LABEL: func.func @per_input_channel
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x4xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x4xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x1x8xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-remark @+1 {{stays a convolution (not rewritten as an im2col GEMM): it is not a legal int8 GEMM (see --quantc-verify-gemm)}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// A filter scale varying along the input channels (a weight K block).
// CHECK-LABEL: func.func @weight_per_input_channel
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @weight_per_input_channel(%x: tensor<1x6x6x4xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x4x8xi8>, %ws: tensor<1x1x4x1xf32>) -> tensor<1x4x4x8xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<1x6x6x4xi8>, tensor<1x1x1x1xf32> -> tensor<1x6x6x4xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x4x8xi8>, tensor<1x1x4x1xf32> -> tensor<3x3x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // expected-remark @+1 {{stays a convolution (not rewritten as an im2col GEMM): it is not a legal int8 GEMM}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @empty_batch
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @empty_batch(%x: tensor<0x6x6x4xf32>, %w: tensor<3x3x4x8xf32>, %init: tensor<0x4x4x8xf32>) -> tensor<0x4x4x8xf32> {
  // expected-remark @+1 {{stays a convolution (not rewritten as an im2col GEMM): it has an empty dimension}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<0x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%init : tensor<0x4x4x8xf32>) -> tensor<0x4x4x8xf32>
  return %y : tensor<0x4x4x8xf32>
}

// -----

// A _q form: the integer operands gathered as they are (the pad of the
// input, with its zero point, in front) and one linalg.quantized_matmul with
// the zero points, which --quantc-fuse makes a quantc.matmul.
// CHECK-LABEL: func.func @zero_point_form
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x4xi8>, %[[W:.+]]: tensor<3x3x4x8xi8>, %[[INIT:.+]]: tensor<1x4x4x8xi32>)
// CHECK-DAG: %[[ZX:.+]] = arith.constant 1 : i32
// CHECK-DAG: %[[ZW:.+]] = arith.constant 2 : i32
// CHECK-DAG: %[[ZX8:.+]] = arith.constant 1 : i8
// CHECK: linalg.fill ins(%[[ZX8]] : i8) outs({{.*}} : tensor<1x6x6x4xi8>)
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf_q
// CHECK: %[[WK:.+]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1, 2], [3]] : tensor<3x3x4x8xi8> into tensor<36x8xi8>
// CHECK: %[[ACC:.+]] = tensor.collapse_shape %[[INIT]] {{\[}}[0, 1, 2], [3]] : tensor<1x4x4x8xi32> into tensor<16x8xi32>
// CHECK: linalg.quantized_matmul ins(%{{.+}}, %[[WK]], %[[ZX]], %[[ZW]] : tensor<16x36xi8>, tensor<36x8xi8>, i32, i32) outs(%[[ACC]] : tensor<16x8xi32>)
func.func @zero_point_form(%x: tensor<1x4x4x4xi8>, %w: tensor<3x3x4x8xi8>, %init: tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32> {
  %zx = arith.constant 1 : i32
  %zw = arith.constant 2 : i32
  %zx8 = arith.constant 1 : i8
  %xp = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zx8 : i8
  } : tensor<1x4x4x4xi8> to tensor<1x6x6x4xi8>
  %y = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xp, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4x8xi8>, i32, i32) outs(%init : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  return %y : tensor<1x4x4x8xi32>
}

// -----

// A zero point outside its operand's storage range is an error.
func.func @zero_point_out_of_range(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4x8xi8>, %init: tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32> {
  %zx = arith.constant 128 : i32
  %zw = arith.constant 0 : i32
  // expected-error @+1 {{the input zero point 128 is outside the storage range [-128, 127] of its 8-bit operand}}
  %y = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4x8xi8>, i32, i32) outs(%init : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  return %y : tensor<1x4x4x8xi32>
}

// -----

// The filter's, of a depthwise _q form.
func.func @depthwise_zero_point_out_of_range(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4xi8>, %init: tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32> {
  %zx = arith.constant 0 : i32
  %zw = arith.constant -129 : i32
  // expected-error @+1 {{the filter zero point -129 is outside the storage range [-128, 127] of its 8-bit operand}}
  %y = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>, i32, i32) outs(%init : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// An integer convolution without scales (i8 x i8 -> i32) is gathered as it
// is: an integer GEMM.
// CHECK-LABEL: func.func @integer_conv
// CHECK: linalg.matmul ins({{.*}} : tensor<16x36xi8>, tensor<36x8xi8>) outs({{.*}} : tensor<16x8xi32>)
func.func @integer_conv(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4x8xi8>) -> tensor<1x4x4x8xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x8xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x6x6x4xi8>, tensor<3x3x4x8xi8>) outs(%init : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  return %y : tensor<1x4x4x8xi32>
}
