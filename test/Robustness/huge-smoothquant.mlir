// A constant weight too large to materialize (kMaxFoldElements = 2^24) is
// refused with a diagnostic, in bounded time and memory.
// RUN: quantc-opt %s --quantc-smoothquant -verify-diagnostics -o /dev/null

func.func @weight_too_big(%x: tensor<4x9223372036854775807xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<9223372036854775807x16xf32>
  %o = quantc.observe %x {absmax = dense<2.0> : tensor<9223372036854775807xf32>} : tensor<4x9223372036854775807xf32>
  // expected-error @+1 {{SmoothQuant needs a static channel count of at most 16777216 in the activation (dimension 1 of 'tensor<4x9223372036854775807xf32>')}}
  %y = linalg.matmul ins(%o, %w : tensor<4x9223372036854775807xf32>, tensor<9223372036854775807x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
