// RUN: quantc-opt %s --quantc-split-k="max-chunk=2" | FileCheck %s

// quantc-split-k-layouts.mlir's @constant_transposed with the weight as a
// dense_resource blob: sliced at compile time along its reduction dimension
// into new blobs (rows {0, 1} = 01 02 03 04, then row {2} = 05 06).
// CHECK-LABEL: func.func @constant_transposed
// CHECK: %[[W0:.+]] = arith.constant dense_resource<w_k0> : tensor<2x2xi8>
// CHECK: quantc.matmul %{{.+}}, %[[W0]] {transpose_rhs} : tensor<2x2xi8>, tensor<2x2xi8>
// CHECK: %[[W1:.+]] = arith.constant dense_resource<w_k2> : tensor<1x2xi8>
// CHECK: quantc.matmul %{{.+}}, %[[W1]] {transpose_rhs} : tensor<2x1xi8>, tensor<1x2xi8>
// CHECK: dialect_resources
// CHECK-DAG: w_k0: "0x4000000001020304"
// CHECK-DAG: w_k2: "0x400000000506"
func.func @constant_transposed(%x: tensor<2x3xi8>) -> tensor<2x2xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %w = arith.constant dense_resource<w> : tensor<3x2xi8>
  %acc = quantc.matmul %x, %w {transpose_rhs} : tensor<2x3xi8>, tensor<3x2xi8> -> tensor<2x2xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x2xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x01000000010203040506"
    }
  }
#-}
