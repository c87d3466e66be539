// RUN: quantc-opt %s --quantc-smoothquant -split-input-file -verify-diagnostics

func.func @no_statistics(%x: tensor<3x2xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  // expected-remark @+1 {{no calibration statistics: the activation (operand #0) is not produced by quantc.observe, so SmoothQuant leaves this matmul alone}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @weight_not_constant(%x: tensor<3x2xf32>, %w: tensor<2x2xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  // expected-error @+1 {{SmoothQuant must fold diag(s) into the weight (operand #1) at compile time, but it is block argument #1, not an arith.constant; the weight of a smoothed matmul must be constant}}
  %y = linalg.matmul ins(%o, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// One consumer of a shared activation has a weight computed at run time: the
// shared factor cannot be folded into it.
func.func @shared_weight_not_constant(%x: tensor<3x2xf32>, %z: tensor<3x2xf32>, %e: tensor<2x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %c = arith.constant 2.0 : f32
  %w2 = linalg.fill ins(%c : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-error @+1 {{but it is the result of 'linalg.fill', not an arith.constant}}
  %y2 = linalg.matmul ins(%o, %w2 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y, %y2 : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

func.func @nan_statistics(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{absmax statistics must be finite and non-negative, but channel 1 is nan}}
  %o = quantc.observe %x {absmax = dense<[4.0, 0x7FC00000]> : tensor<2xf32>} : tensor<3x2xf32>
  return %o : tensor<3x2xf32>
}

// -----

func.func @negative_statistics(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{absmax statistics must be finite and non-negative, but channel 0 is -4}}
  %o = quantc.observe %x {absmax = dense<[-4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  return %o : tensor<3x2xf32>
}

// -----

func.func @infinite_statistics(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{absmax statistics must be finite and non-negative, but channel 1 is INF}}
  %o = quantc.observe %x {absmax = dense<[4.0, 0x7F800000]> : tensor<2xf32>} : tensor<3x2xf32>
  return %o : tensor<3x2xf32>
}
