// An unknown binary format or chip is an option-parsing error with exit code
// 1, not a crash.
// RUN: not quantc-opt %s --quantc-gpu-pipeline="format=elf" -o /dev/null
// RUN: not quantc-opt %s --quantc-gpu-pipeline="chip=sm_75" -o /dev/null 2>&1 | FileCheck %s

// CHECK: for the --chip option: Cannot find option named 'sm_75'!
module {
  func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
    %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
    return %acc : tensor<64x64xi32>
  }
}
