// RUN: not quantc-opt %s --quantc-verify-gemm="mode=bogus" 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not quantc-opt %s --quantc-verify-gemm="target=tpu" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: quantc-opt %s --quantc-verify-gemm="k-tile=0" -verify-diagnostics

// Bad option values are reported, not ignored: closed sets are enum options
// (an option-parsing error), k-tile is checked by the pass.
// MODE: for the --mode option: Cannot find option named 'bogus'!
// TARGET: for the --target option: Cannot find option named 'tpu'!
// expected-error @+1 {{--quantc-verify-gemm: k-tile must be positive, got 0}}
func.func @f(%x: tensor<4x64xf32>, %w: tensor<64x16xf32>, %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
