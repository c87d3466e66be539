// RUN: quantc-opt %s --quantc-x86-vectorize-elementwise="lanes=-3" -verify-diagnostics

// A bad lanes is printed as its value. Before, the option object itself went
// into the diagnostic and printed as one character: "got " and the byte 0xFD
// for -3 (a NUL byte for lanes=0).
// expected-error @+1 {{quantc-x86-vectorize-elementwise: lanes must be >= 1, got -3}}
func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  return %x : tensor<4x8xf32>
}
