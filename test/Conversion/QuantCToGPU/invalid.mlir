// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics

func.func @batched(%x: tensor<2x64x64xi8>, %w: tensor<2x64x64xi8>) -> tensor<2x64x64xi32> {
  // expected-error @+1 {{batched GEMMs are not supported by the GPU lowering yet}}
  %acc = quantc.matmul %x, %w : tensor<2x64x64xi8>, tensor<2x64x64xi8> -> tensor<2x64x64xi32>
  return %acc : tensor<2x64x64xi32>
}

// -----

func.func @dynamic(%x: tensor<?x64xi8>, %w: tensor<64x64xi8>) -> tensor<?x64xi32> {
  // expected-error @+1 {{the GPU lowering needs static shapes}}
  %acc = quantc.matmul %x, %w : tensor<?x64xi8>, tensor<64x64xi8> -> tensor<?x64xi32>
  return %acc : tensor<?x64xi32>
}

// -----

func.func @k_not_32(%x: tensor<64x48xi8>, %w: tensor<64x48xi8>) -> tensor<64x64xi32> {
  // expected-error @+1 {{the reduction dimension (48) must be a multiple of 32}}
  %acc = quantc.matmul %x, %w : tensor<64x48xi8>, tensor<64x48xi8> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}

// -----

func.func @m_not_16(%x: tensor<24x64xi8>, %w: tensor<64x64xi8>) -> tensor<24x64xi32> {
  // expected-error @+1 {{the row dimension (24) must be a multiple of 16}}
  %acc = quantc.matmul %x, %w : tensor<24x64xi8>, tensor<64x64xi8> -> tensor<24x64xi32>
  return %acc : tensor<24x64xi32>
}

// -----

func.func @n_not_16(%x: tensor<64x64xi8>, %w: tensor<40x64xi8>) -> tensor<64x40xi32> {
  // expected-error @+1 {{the column dimension (40) must be a multiple of 16}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<40x64xi8> -> tensor<64x40xi32>
  return %acc : tensor<64x40xi32>
}

// -----

func.func @i4(%x: tensor<64x64xi4>, %w: tensor<64x64xi4>) -> tensor<64x64xi32> {
  // expected-error @+1 {{int8 Tensor Core MMA needs i8 operands}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi4>, tensor<64x64xi4> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}
