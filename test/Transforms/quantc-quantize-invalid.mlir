// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics

func.func @weight_is_argument(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{cannot quantize the weight (operand #1) at compile time: it is block argument #1, not an arith.constant}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @weight_is_computed(%x: tensor<2x4xf32>, %z: tensor<2x3xf32>, %e: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %c = arith.constant 1.0 : f32
  %w = linalg.fill ins(%c : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  // expected-error @+1 {{it is the result of 'linalg.fill', not an arith.constant}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
