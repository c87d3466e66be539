// RUN: quantc-opt %s --quantc-smoothquant="alpha=0" -verify-diagnostics

// alpha = 0 moves the whole weight range into the activation statistics:
// absmax * max|W| = 9e76 is not an f32 (issue 15: inf statistics were
// written silently).
func.func @overflow(%x: tensor<4x64xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<3.0e38> : tensor<64x16xf32>
  %o = quantc.observe %x {absmax = dense<3.0e38> : tensor<64xf32>} : tensor<4x64xf32>
  // expected-error @+1 {{SmoothQuant with alpha = 0.000000e+00 overflows f32 on channel 0}}
  %y = linalg.matmul ins(%o, %w : tensor<4x64xf32>, tensor<64x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
