// RUN: quantc-opt %s --quantc-split-k="max-chunk=2" | FileCheck %s

// A constant [C, D] rhs (transpose_rhs) is sliced at compile time along its
// reduction dimension, the first one: rows {0, 1}, then row {2}.
// CHECK-LABEL: func.func @constant_transposed
// CHECK: %[[W0:.+]] = arith.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi8>
// CHECK: quantc.matmul %{{.+}}, %[[W0]] {transpose_rhs} : tensor<2x2xi8>, tensor<2x2xi8>
// CHECK: %[[W1:.+]] = arith.constant dense<{{\[}}[5, 6]]> : tensor<1x2xi8>
// CHECK: quantc.matmul %{{.+}}, %[[W1]] {transpose_rhs} : tensor<2x1xi8>, tensor<1x2xi8>
func.func @constant_transposed(%x: tensor<2x3xi8>) -> tensor<2x2xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %w = arith.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>
  %acc = quantc.matmul %x, %w {transpose_rhs} : tensor<2x3xi8>, tensor<3x2xi8> -> tensor<2x2xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x2xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// A [B, C, N] lhs with a [D, C] rhs broadcast over the batch: each operand
// is sliced along its own reduction dimension.
// CHECK-LABEL: func.func @broadcast
// CHECK: tensor.extract_slice %arg0[0, 0, 0] [4, 2, 3] [1, 1, 1] : tensor<4x5x3xi8> to tensor<4x2x3xi8>
// CHECK: tensor.extract_slice %arg1[0, 0] [6, 2] [1, 1] : tensor<6x5xi8> to tensor<6x2xi8>
// CHECK: quantc.matmul {{.*}} {transpose_lhs} : tensor<4x2x3xi8>, tensor<6x2xi8> -> tensor<4x3x6xi32>
// CHECK-COUNT-2: quantc.matmul
// CHECK-NOT: quantc.matmul
func.func @broadcast(%x: tensor<4x5x3xi8>, %w: tensor<6x5xi8>) -> tensor<4x3x6xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w {transpose_lhs} : tensor<4x5x3xi8>, tensor<6x5xi8> -> tensor<4x3x6xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<4x3x6xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<4x3x6xf32>
  return %y : tensor<4x3x6xf32>
}
