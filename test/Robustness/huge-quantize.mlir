// A constant weight too large to materialize (kMaxFoldElements = 2^24) is
// refused with a diagnostic, in bounded time and memory.
// RUN: quantc-opt %s --quantc-quantize -verify-diagnostics -o /dev/null

func.func @weight_too_big(%x: tensor<4x9223372036854775807xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<9223372036854775807x16xf32>
  %o = quantc.observe %x {absmax = dense<2.0> : tensor<9223372036854775807xf32>} : tensor<4x9223372036854775807xf32>
  // expected-error @+1 {{cannot quantize the weight (operand #1) at compile time: it is a constant of type tensor<9223372036854775807x16xf32>, larger than the 16777216-element compile-time limit}}
  %y = linalg.matmul ins(%o, %w : tensor<4x9223372036854775807xf32>, tensor<9223372036854775807x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
