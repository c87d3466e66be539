// RUN: quantc-opt %s --quantc-lower-matmul-to-x86 -split-input-file -verify-diagnostics -o /dev/null

// Issue 15: a splat weight of 2^33 elements was expanded to pack it
// (std::bad_alloc, SIGABRT; MemoryError in Python). Compile-time memory is
// bounded by the input: a splat stays a splat, on the reference path.
func.func @huge_splat(%x: tensor<4x64xi8>) -> tensor<4x134217728xi32> {
  %w = arith.constant dense<1> : tensor<134217728x64xi8>
  // expected-remark @+1 {{runs on the reference lowering, not the avx512-vnni kernel: its 134217728 x 64 weight is too large to pack at compile time}}
  %y = quantc.matmul %x, %w : tensor<4x64xi8>, tensor<134217728x64xi8> -> tensor<4x134217728xi32>
  return %y : tensor<4x134217728xi32>
}

// -----

func.func @large_splat(%x: tensor<4x64xi8>) -> tensor<4x1048576xi32> {
  %w = arith.constant dense<1> : tensor<1048576x64xi8>
  // expected-remark @+1 {{its 1048576 x 64 weight is a splat constant, which is not expanded to pack it (more than 16777216 elements)}}
  %y = quantc.matmul %x, %w : tensor<4x64xi8>, tensor<1048576x64xi8> -> tensor<4x1048576xi32>
  return %y : tensor<4x1048576xi32>
}

// -----

// M * N * K = 2.7e28 overflows int64: saturated, never UB.
func.func @huge_gemm(%x: tensor<3000000000x3000000000xi8>, %w: tensor<3000000000x3000000000xi8>) -> tensor<3000000000x3000000000xi32> {
  // expected-remark @+1 {{can overflow the i32 accumulators}}
  %y = quantc.matmul %x, %w : tensor<3000000000x3000000000xi8>, tensor<3000000000x3000000000xi8> -> tensor<3000000000x3000000000xi32>
  return %y : tensor<3000000000x3000000000xi32>
}
