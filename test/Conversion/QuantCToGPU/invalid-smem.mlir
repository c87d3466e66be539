// RUN: quantc-opt %s --convert-quantc-to-gpu="tile-m=128 tile-n=256 tile-k=256 warp-m=64 warp-n=64 stages=3" -verify-diagnostics

func.func @gemm(%x: tensor<1024x1024xi8>, %w: tensor<1024x1024xi8>) -> tensor<1024x1024xi32> {
  // expected-error @+1 {{tiling needs 313344 bytes of shared memory (max 232448)}}
  %acc = quantc.matmul %x, %w : tensor<1024x1024xi8>, tensor<1024x1024xi8> -> tensor<1024x1024xi32>
  return %acc : tensor<1024x1024xi32>
}
