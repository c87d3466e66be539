// RUN: quantc-opt %s --quantc-quantize="activations=per-tensor" -split-input-file -verify-diagnostics

func.func @no_statistics(%x: tensor<2x4xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  // expected-error @+1 {{activations=per-tensor needs calibration statistics, but the activation (operand #0) is not produced by quantc.observe; calibrate it or use activations=per-token}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Statistics that saw only zeros: a static scale of 1 (what it was) rounded
// every run-time value to an integer.
func.func @zero_statistics(%x: tensor<2x4xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %o = quantc.observe %x {absmax = dense<0.0> : tensor<4xf32>} : tensor<2x4xf32>
  // expected-error @+1 {{activations=per-tensor: the calibration statistics of the activation (operand #0) are all zero, so no static scale fits its run-time values; calibrate it on representative inputs or use activations=per-token}}
  %y = linalg.matmul ins(%o, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
