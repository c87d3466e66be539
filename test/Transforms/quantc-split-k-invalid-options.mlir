// RUN: quantc-opt %s --quantc-split-k="max-chunk=-1" -verify-diagnostics

// A bad max-chunk is printed as its value. Before, the option object itself
// went into the diagnostic and printed as one character: "got " and the byte
// 0xFF for -1.
// expected-error @+1 {{--quantc-split-k: max-chunk must be >= 0 (0: no kernel limit), got -1}}
func.func @f(%x: tensor<2x8xi8>, %w: tensor<4x8xi8>) -> tensor<2x4xi32> {
  %acc = quantc.matmul %x, %w : tensor<2x8xi8>, tensor<4x8xi8> -> tensor<2x4xi32>
  return %acc : tensor<2x4xi32>
}
