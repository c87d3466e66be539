// 4-bit weights (i4, signed storage [-8, 7]): a zero point must lie in the
// stored range, per group as well.
// RUN: quantc-opt %s -split-input-file -verify-diagnostics

func.func @dq_i4_zero_point_range(%q: tensor<64x4xi4>) -> tensor<64x4xf32> {
  %s = arith.constant dense<0.5> : tensor<2x4xf32>
  %z = arith.constant dense<[[0, 1, 2, 3], [4, 5, 8, 7]]> : tensor<2x4xi32>
  // expected-error @+1 {{zero_point element 6 is 8, outside the range [-8, 7] of the quantized values}}
  %d = quantc.dequantize %q, %s zero_point %z : tensor<64x4xi4>, tensor<2x4xf32>, tensor<2x4xi32> -> tensor<64x4xf32>
  return %d : tensor<64x4xf32>
}

// -----

// The zero point has the scale's (group) shape.
func.func @dq_i4_zero_point_shape(%q: tensor<64x4xi4>) -> tensor<64x4xf32> {
  %s = arith.constant dense<0.5> : tensor<2x4xf32>
  %z = arith.constant dense<1> : tensor<1x4xi32>
  // expected-error @+1 {{zero_point must have the shape of the scale}}
  %d = quantc.dequantize %q, %s zero_point %z : tensor<64x4xi4>, tensor<2x4xf32>, tensor<1x4xi32> -> tensor<64x4xf32>
  return %d : tensor<64x4xf32>
}
