// RUN: quantc-opt %s --quantc-outlier-split -split-input-file -verify-diagnostics

func.func @no_statistics(%x: tensor<2x2xf32>, %z: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  // expected-remark @+1 {{no calibration statistics: the activation (operand #0) is not produced by quantc.observe, so the outlier split leaves this matmul alone}}
  %y = linalg.matmul ins(%x, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @weight_not_constant(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>, %z: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %o = quantc.observe %x {absmax = dense<[1.0, 20.0]> : tensor<2xf32>} : tensor<2x2xf32>
  // expected-error @+1 {{the outlier split slices the weight (operand #1) at compile time, but it is block argument #1, not an arith.constant}}
  %y = linalg.matmul ins(%o, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
