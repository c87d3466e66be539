// RUN: quantc-opt %s --quantc-quantize --quantc-fuse | FileCheck %s

// A resource weight [K, N] = [2, 3] quantized and fused: quantc.matmul takes
// its weight as [N, K], so the int8 blob is transposed at compile time into
// a new blob (no linalg.transpose at run time). W = [[1, 2, 3], [-4, 5, -6]]
// per column scales [4, 5, 6] / 127 -> [[32, 51, 64], [-127, 127, -127]];
// transposed [[32, -127], [51, 127], [64, -127]] = 20 81 33 7F 40 81.

// CHECK-LABEL: func.func @transposed_blob
// CHECK: %[[W:.+]] = arith.constant dense_resource<w_q_t> : tensor<3x2xi8>
// CHECK-NOT: linalg.transpose
// CHECK: quantc.matmul %{{.+}}, %[[W]] : tensor<4x2xi8>, tensor<3x2xi8> -> tensor<4x3xi32>
// CHECK: dialect_resources
// CHECK: w_q_t: "0x400000002081337F4081"
func.func @transposed_blob(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense_resource<w> : tensor<2x3xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080C00000A0400000C0C0"
    }
  }
#-}
