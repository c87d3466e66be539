// RUN: quantc-opt %s --quantc-quantize="activations=per-tensor" -split-input-file -verify-diagnostics

func.func @no_statistics(%x: tensor<2x4xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  // expected-error @+1 {{activations=per-tensor needs calibration statistics, but the activation (operand #0) is not produced by quantc.observe; calibrate it or use activations=per-token}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
