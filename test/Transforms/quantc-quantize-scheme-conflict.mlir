// A w8a8 mark cannot be honoured with activations=none: an error, not W8A16.
// RUN: quantc-opt %s --quantc-quantize="activations=none" -verify-diagnostics -o /dev/null

func.func @conflict(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  // expected-error @below {{quantc.scheme = "w8a8" asks for int8 activations, but activations=none; use activations=per-token or per-tensor}}
  %y = linalg.matmul {quantc.scheme = "w8a8"} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
