// quantc.quantize folding stays bounded: a splat of a splat folds to a splat
// whatever its size; anything else larger than 2^24 elements is not folded.
// RUN: quantc-opt %s --canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @splat
// CHECK: %[[C:.+]] = arith.constant dense<2> : tensor<9223372036854775807xi8>
// CHECK-NEXT: return %[[C]]
func.func @splat() -> tensor<9223372036854775807xi8> {
  %x = arith.constant dense<1.0> : tensor<9223372036854775807xf32>
  %s = arith.constant dense<0.5> : tensor<1xf32>
  %q = quantc.quantize %x, %s : tensor<9223372036854775807xf32>, tensor<1xf32> -> tensor<9223372036854775807xi8>
  return %q : tensor<9223372036854775807xi8>
}

// -----

// A per-channel scale makes the result a non-splat of 2^25 elements.
// CHECK-LABEL: func.func @per_channel
// CHECK: quantc.quantize
func.func @per_channel() -> tensor<16777216x2xi8> {
  %x = arith.constant dense<1.0> : tensor<16777216x2xf32>
  %s = arith.constant dense<[[0.5, 0.25]]> : tensor<1x2xf32>
  %q = quantc.quantize %x, %s : tensor<16777216x2xf32>, tensor<1x2xf32> -> tensor<16777216x2xi8>
  return %q : tensor<16777216x2xi8>
}

// -----

// A small non-splat fold still happens (f16 input: the scale converts to f16).
// CHECK-LABEL: func.func @small
// CHECK: arith.constant dense<{{\[}}[2, 4]]> : tensor<1x2xi8>
func.func @small() -> tensor<1x2xi8> {
  %x = arith.constant dense<1.0> : tensor<1x2xf16>
  %s = arith.constant dense<[[0.5, 0.25]]> : tensor<1x2xf16>
  %q = quantc.quantize %x, %s : tensor<1x2xf16>, tensor<1x2xf16> -> tensor<1x2xi8>
  return %q : tensor<1x2xi8>
}

// -----

// The verifier checks a huge splat scale once instead of per element.
// CHECK-LABEL: func.func @huge_scale
func.func @huge_scale(%x: tensor<2x9223372036854775807xf32>) -> tensor<2x9223372036854775807xi8> {
  %s = arith.constant dense<0.5> : tensor<1x9223372036854775807xf32>
  %q = quantc.quantize %x, %s : tensor<2x9223372036854775807xf32>, tensor<1x9223372036854775807xf32> -> tensor<2x9223372036854775807xi8>
  return %q : tensor<2x9223372036854775807xi8>
}

// -----

// Wide float inputs fold through double without losing the rounding rule
// (-300 / 0.5 saturates to -127, 2.5 / 0.5 = 5, 0.75 / 0.5 = 1.5 -> 2).
// CHECK-LABEL: func.func @f128
// CHECK: arith.constant dense<[2, -127, 5, 2]> : tensor<4xi8>
func.func @f128() -> tensor<4xi8> {
  %x = arith.constant dense<[1.0, -300.0, 2.5, 0.75]> : tensor<4xf128>
  %s = arith.constant dense<0.5> : tensor<1xf128>
  %q = quantc.quantize %x, %s : tensor<4xf128>, tensor<1xf128> -> tensor<4xi8>
  return %q : tensor<4xi8>
}
