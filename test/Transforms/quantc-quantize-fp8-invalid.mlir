// RUN: quantc-opt %s --quantc-quantize="storage=f8E5M2" -verify-diagnostics
// RUN: not quantc-opt %s --quantc-quantize="storage=f8E4M3FN activations=none" 2>&1 | FileCheck %s --check-prefix=W8A8
// RUN: not quantc-opt %s --quantc-quantize="storage=f8E4M3FN weight-bits=4 activations=none" 2>&1 | FileCheck %s --check-prefix=W8A8
// RUN: not quantc-opt %s --quantc-quantize="storage=f8E4M3FN group-size=32" 2>&1 | FileCheck %s --check-prefix=W8A8

// W8A8: error: quantc-quantize: storage=f8E4M3FN is FP8 W8A8: it needs weight-bits=8, no group-size and activations=per-token or per-tensor

// expected-error @+1 {{quantc-quantize: storage must be i8 or f8E4M3FN, got 'f8E5M2'}}
func.func @linear(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2xf32>
  %z = arith.constant dense<0.0> : tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
