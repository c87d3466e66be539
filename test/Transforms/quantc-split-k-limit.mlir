// Chunks are unrolled: a split into more than 4096 of them is an error
// naming the count and the limit, not minutes of work and gigabytes of IR.
// RUN: not quantc-opt %s --quantc-split-k -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: not quantc-opt %s --quantc-split-k="max-chunk=1" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONE
// RUN: not quantc-opt %s --quantc-split-k="max-chunk=64" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIXTYFOUR

// K = 2^40 with i8 operands: 8,390,657 chunks of the analysis' 131040.
// DEFAULT: error: splitting the reduction (K = 1099511627776) into chunks of at most 131040 takes 8390657 GEMMs, more than the limit of 4096; quantize the operands to narrower ranges
// DEFAULT-NOT: error
// ONE: error: splitting the reduction (K = 1099511627776) into chunks of at most 1 takes 1099511627776 GEMMs, more than the limit of 4096; raise max-chunk
// SIXTYFOUR: error: splitting the reduction (K = 1099511627776) into chunks of at most 64 takes 17179869184 GEMMs, more than the limit of 4096; raise max-chunk
func.func @huge_k(%x: tensor<2x1099511627776xi8>, %w: tensor<4x1099511627776xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x1099511627776xi8>, tensor<4x1099511627776xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// K = 262144: 3 chunks of the analysis, 4096 of max-chunk=64 (the limit:
// accepted), 262144 of max-chunk=1.
// ONE: error: splitting the reduction (K = 262144) into chunks of at most 1 takes 262144 GEMMs, more than the limit of 4096; raise max-chunk
func.func @at_limit(%x: tensor<2x262144xi8>, %w: tensor<4x262144xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x262144xi8>, tensor<4x262144xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// K = 262145: one element more, 4097 chunks of max-chunk=64.
// SIXTYFOUR: error: splitting the reduction (K = 262145) into chunks of at most 64 takes 4097 GEMMs, more than the limit of 4096; raise max-chunk
// SIXTYFOUR-NOT: error
func.func @over_limit(%x: tensor<2x262145xi8>, %w: tensor<4x262145xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x262145xi8>, tensor<4x262145xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
