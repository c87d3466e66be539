// RUN: quantc-opt %s --convert-quantc-to-gpu="tile-m=48" -verify-diagnostics -split-input-file

func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
  // expected-error @+1 {{invalid tiling 48x32x64}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}
