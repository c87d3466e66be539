// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

// A transposed rhs ([C, D], e.g. a plain-layout run-time weight) is copied
// into the kernels' [D, C] layout on the host, then runs on Tensor Cores.
// CHECK-LABEL: func.func @transposed_rhs
// CHECK: %[[T:.+]] = linalg.transpose ins(%arg1 : tensor<64x32xi8>) outs(%{{.+}} : tensor<32x64xi8>) permutation = [1, 0]
// CHECK: bufferization.to_buffer %[[T]]
// CHECK: call @__quantc_launch_gemm
// CHECK-NOT: quantc.matmul
func.func @transposed_rhs(%x: tensor<16x64xi8>, %w: tensor<64x32xi8>) -> tensor<16x32xi32> {
  // expected-remark @+1 {{the Tensor Core kernel reads a [..., N, C] lhs and a [..., D, C] rhs: the transposed rhs is copied into that layout on every call}}
  %acc = quantc.matmul %x, %w {transpose_rhs} : tensor<16x64xi8>, tensor<64x32xi8> -> tensor<16x32xi32>
  return %acc : tensor<16x32xi32>
}

// -----

// A weight broadcast over a rank-3 batch (a 3-D linear): one 2-D GEMM over
// the batch's rows, on Tensor Cores, with its rescale flattened and fused.
// CHECK-LABEL: func.func @broadcast_weight
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x8x64xi8> into tensor<16x64xi8>
// CHECK: call @__quantc_launch_gemm
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [2, 8, 32] : tensor<16x32xf32> into tensor<2x8x32xf32>
// CHECK-NOT: quantc.matmul
// CHECK-NOT: quantc.rescale
func.func @broadcast_weight(%x: tensor<2x8x64xi8>, %w: tensor<32x64xi8>, %xs: tensor<2x8x1xf32>, %ws: tensor<1x1x32xf32>) -> tensor<2x8x32xf32> {
  %acc = quantc.matmul %x, %w : tensor<2x8x64xi8>, tensor<32x64xi8> -> tensor<2x8x32xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<2x8x32xi32>, tensor<2x8x1xf32>, tensor<1x1x32xf32>) -> tensor<2x8x32xf32>
  return %y : tensor<2x8x32xf32>
}
