// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_75" -verify-diagnostics

// expected-error @below {{unsupported chip 'sm_75': expected one of sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a}}
module {
  func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
    %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
    return %acc : tensor<64x64xi32>
  }
}
