// chip is an enum option: an unknown chip is an option-parsing error (exit
// code 1, nothing compiled), not a diagnostic of the pass.
// RUN: not quantc-opt %s --convert-quantc-to-gpu="chip=sm_75" 2>&1 | FileCheck %s

// CHECK: for the --chip option: Cannot find option named 'sm_75'!
module {
  func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
    %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
    return %acc : tensor<64x64xi32>
  }
}
