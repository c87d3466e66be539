// Option errors of --quantc-quantize's weight-bits and group-size.
// RUN: not quantc-opt %s --quantc-quantize="activations=none group-size=48" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not quantc-opt %s --quantc-quantize="activations=none weight-bits=3" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not quantc-opt %s --quantc-quantize="weight-bits=4" 2>&1 | FileCheck %s --check-prefix=ACT4
// RUN: not quantc-opt %s --quantc-quantize="activations=per-tensor group-size=64" 2>&1 | FileCheck %s --check-prefix=ACTG
// RUN: not quantc-opt %s --quantc-quantize="activations=none weights=per-tensor group-size=64" 2>&1 | FileCheck %s --check-prefix=PT

// GROUP: error: quantc-quantize: group-size must be 0 (no groups), 32, 64 or 128, got 48
// BITS: error: quantc-quantize: weight-bits must be 8 or 4, got 3
// ACT4: error: quantc-quantize: weight-bits=4 needs activations=none
// ACTG: error: quantc-quantize: group-size needs activations=none
// PT: error: quantc-quantize: group-size needs weights=per-channel
func.func @f(%x: tensor<3x64xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<64x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x64xf32>, tensor<64x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
