// RUN: quantc-opt %s --convert-quantc-to-gpu="tile-m=48" -verify-diagnostics -split-input-file

func.func @gemm(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>) -> tensor<64x64xi32> {
  // expected-error @+1 {{invalid tiling 48x32x64 (warp 32x16, 2 stages) for the GEMM 64x64x64: M must be a multiple of the row tile}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}

// -----

// A dynamic M: the row tile must suit the warps (M itself is padded to it).
// Each error names the first rule the tiling breaks.
func.func @dynamic_m(%x: tensor<?x256xi8>, %w: tensor<512x256xi8>) -> tensor<?x512xi32> {
  // expected-error @+1 {{invalid tiling 48x64x128 (warp 64x32, 3 stages) for the GEMM ?x512x256: the block tile must be a multiple of the warp tile}}
  %acc = quantc.matmul %x, %w : tensor<?x256xi8>, tensor<512x256xi8> -> tensor<?x512xi32>
  return %acc : tensor<?x512xi32>
}
