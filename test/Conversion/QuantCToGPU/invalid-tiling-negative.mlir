// RUN: quantc-opt %s --convert-quantc-to-gpu="tile-m=-64 warp-m=-64" -verify-diagnostics

// Tile sizes from options must be positive: a diagnostic, not a crash.
func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
  // expected-error @+1 {{invalid tiling -64x32x64 (warp -64x16, 2 stages) for the GEMM 64x64x64}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}
