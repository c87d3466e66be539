// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

// A GEMM no kernel takes stays a quantc.matmul (for the host lowering), with a
// remark that says why; no GPU module is left behind.
// CHECK-NOT: gpu.module
// CHECK-NOT: gpu.container_module
// CHECK-COUNT-10: quantc.matmul

// Batched GEMMs run on grid z (batched.mlir): one batch dimension, static.
func.func @two_batch_dims(%x: tensor<2x3x64x64xi8>, %w: tensor<2x3x64x64xi8>) -> tensor<2x3x64x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: a GEMM with more than one batch dimension (the kernels batch one, on grid z)}}
  %acc = quantc.matmul %x, %w : tensor<2x3x64x64xi8>, tensor<2x3x64x64xi8> -> tensor<2x3x64x64xi32>
  return %acc : tensor<2x3x64x64xi32>
}

// -----

func.func @dynamic_batch(%x: tensor<?x64x64xi8>, %w: tensor<?x64x64xi8>) -> tensor<?x64x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: a dynamic batch (batched kernels launch a static grid z)}}
  %acc = quantc.matmul %x, %w : tensor<?x64x64xi8>, tensor<?x64x64xi8> -> tensor<?x64x64xi32>
  return %acc : tensor<?x64x64xi32>
}

// -----

func.func @empty_batch(%x: tensor<0x64x64xi8>, %w: tensor<0x64x64xi8>) -> tensor<0x64x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: it is empty (M, N or K is 0)}}
  %acc = quantc.matmul %x, %w : tensor<0x64x64xi8>, tensor<0x64x64xi8> -> tensor<0x64x64xi32>
  return %acc : tensor<0x64x64xi32>
}

// -----

// The KV length of attention, when dynamic, is a dynamic N.
func.func @dynamic_kv_length(%q: tensor<4x?x64xi8>, %k: tensor<4x?x64xi8>) -> tensor<4x?x?xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: a dynamic N or K (kernels are specialised to N and K; M may be dynamic)}}
  %acc = quantc.matmul %q, %k : tensor<4x?x64xi8>, tensor<4x?x64xi8> -> tensor<4x?x?xi32>
  return %acc : tensor<4x?x?xi32>
}

// -----

// A dynamic M is taken (dynamic-m.mlir); a dynamic K or N is not.
func.func @dynamic_k(%x: tensor<?x?xi8>, %w: tensor<64x?xi8>) -> tensor<?x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: a dynamic N or K (kernels are specialised to N and K; M may be dynamic)}}
  %acc = quantc.matmul %x, %w : tensor<?x?xi8>, tensor<64x?xi8> -> tensor<?x64xi32>
  return %acc : tensor<?x64xi32>
}

// -----

// An empty GEMM has nothing to launch.
func.func @no_rows(%x: tensor<0x64xi8>, %w: tensor<64x64xi8>) -> tensor<0x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: it is empty (M, N or K is 0)}}
  %acc = quantc.matmul %x, %w : tensor<0x64xi8>, tensor<64x64xi8> -> tensor<0x64xi32>
  return %acc : tensor<0x64xi32>
}

// -----

func.func @no_k(%x: tensor<64x0xi8>, %w: tensor<64x0xi8>) -> tensor<64x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: it is empty (M, N or K is 0)}}
  %acc = quantc.matmul %x, %w : tensor<64x0xi8>, tensor<64x0xi8> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}

// -----

func.func @k_not_32(%x: tensor<64x48xi8>, %w: tensor<64x48xi8>) -> tensor<64x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: the reduction dimension (48) is not a multiple of 32}}
  %acc = quantc.matmul %x, %w : tensor<64x48xi8>, tensor<64x48xi8> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}

// -----

func.func @n_not_16(%x: tensor<64x64xi8>, %w: tensor<40x64xi8>) -> tensor<64x40xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: the column dimension (40) is not a multiple of 16}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<40x64xi8> -> tensor<64x40xi32>
  return %acc : tensor<64x40xi32>
}

// -----

func.func @i4(%x: tensor<64x64xi4>, %w: tensor<64x64xi4>) -> tensor<64x64xi32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: int8 Tensor Core MMA needs i8 operands}}
  %acc = quantc.matmul %x, %w : tensor<64x64xi4>, tensor<64x64xi4> -> tensor<64x64xi32>
  return %acc : tensor<64x64xi32>
}

