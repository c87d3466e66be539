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

// -----

func.func @nan_weight(%x: tensor<2x2xf32>, %z: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 0x7FC00000], [1.0, 2.0]]> : tensor<2x2xf32>
  // expected-error @+1 {{the constant weight (operand #1) holds nan at flat index 1; only finite weights can be quantized or smoothed}}
  %y = linalg.matmul ins(%x, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A transposed activation ([C, N]): its channel is not the last dimension,
// which is the one statistics and per-token scales describe.
func.func @transposed_activation(%x: tensor<4x2xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  // expected-remark @+1 {{left in float: the activation's reduction dimension is not its last one}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<4x2xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
