// RUN: quantc-opt %s --quantc-verify-gemm="mode=bogus" -verify-diagnostics
// RUN: quantc-opt %s --quantc-verify-gemm="target=tpu" -verify-diagnostics
// RUN: quantc-opt %s --quantc-verify-gemm="k-tile=0" -verify-diagnostics

// Bad option values are reported, not ignored.
// expected-error-re @+1 {{--quantc-verify-gemm: {{(mode must be 'error' or 'warn', got 'bogus'|target must be 'generic', 'vnni' or 'nvvm', got 'tpu'|k-tile must be positive, got 0)$}}}}
func.func @f(%x: tensor<4x64xf32>, %w: tensor<64x16xf32>, %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
