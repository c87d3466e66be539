// An unknown binary format or chip is an error with exit code 1, not a crash.
// RUN: not quantc-opt %s --quantc-gpu-pipeline="format=elf" -o /dev/null
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_75" -verify-diagnostics -o /dev/null

// expected-error @below {{unsupported chip 'sm_75'}}
module {
  func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
    %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
    return %acc : tensor<64x64xi32>
  }
}
