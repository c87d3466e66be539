// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s
// RUN: not quantc-opt %s --quantc-verify-gemm -split-input-file 2>&1 | FileCheck %s --check-prefix=DIAG

// The attention GEMMs of a decode step over an int8 KV cache (run-time
// int8 operands, dynamic cache length L; quantc.llama's Decode): Q·Kᵀ with
// K stored per token and head is legal (the scale varies along the output
// columns), P·V with V per channel (head-dim) and head is legal, P·V with V
// per token is refused with the fix spelled out.

// CHECK-LABEL: func.func @qk_k_per_token
// CHECK: linalg.batch_matmul {quantc.gemm = "int8"}
func.func @qk_k_per_token(%q: tensor<16x1x64xf32>, %kq: tensor<16x64x?xi8>, %ks: tensor<16x1x?xf32>) -> tensor<16x1x?xf32> {
  %qs = quantc.compute_scale %q {dims = array<i64: 2>} : tensor<16x1x64xf32> -> tensor<16x1x1xf32>
  %qq = quantc.quantize %q, %qs : tensor<16x1x64xf32>, tensor<16x1x1xf32> -> tensor<16x1x64xi8>
  %qd = quantc.dequantize %qq, %qs : tensor<16x1x64xi8>, tensor<16x1x1xf32> -> tensor<16x1x64xf32>
  %kd = quantc.dequantize %kq, %ks : tensor<16x64x?xi8>, tensor<16x1x?xf32> -> tensor<16x64x?xf32>
  %c2 = arith.constant 2 : index
  %l = tensor.dim %kq, %c2 : tensor<16x64x?xi8>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty(%l) : tensor<16x1x?xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<16x1x?xf32>) -> tensor<16x1x?xf32>
  %y = linalg.batch_matmul ins(%qd, %kd : tensor<16x1x64xf32>, tensor<16x64x?xf32>) outs(%init : tensor<16x1x?xf32>) -> tensor<16x1x?xf32>
  return %y : tensor<16x1x?xf32>
}

// -----

// CHECK-LABEL: func.func @pv_v_per_channel
// CHECK: linalg.batch_matmul {quantc.gemm = "int8"}
func.func @pv_v_per_channel(%p: tensor<16x1x?xf32>, %vq: tensor<16x?x64xi8>, %vs: tensor<16x1x64xf32>) -> tensor<16x1x64xf32> {
  %ps = quantc.compute_scale %p {dims = array<i64: 2>} : tensor<16x1x?xf32> -> tensor<16x1x1xf32>
  %pq = quantc.quantize %p, %ps : tensor<16x1x?xf32>, tensor<16x1x1xf32> -> tensor<16x1x?xi8>
  %pd = quantc.dequantize %pq, %ps : tensor<16x1x?xi8>, tensor<16x1x1xf32> -> tensor<16x1x?xf32>
  %vd = quantc.dequantize %vq, %vs : tensor<16x?x64xi8>, tensor<16x1x64xf32> -> tensor<16x?x64xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x1x64xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<16x1x64xf32>) -> tensor<16x1x64xf32>
  %y = linalg.batch_matmul ins(%pd, %vd : tensor<16x1x?xf32>, tensor<16x?x64xf32>) outs(%init : tensor<16x1x64xf32>) -> tensor<16x1x64xf32>
  return %y : tensor<16x1x64xf32>
}

// -----

func.func @pv_v_per_token(%p: tensor<16x1x?xf32>, %vq: tensor<16x?x64xi8>, %vs: tensor<16x?x1xf32>) -> tensor<16x1x64xf32> {
  %ps = quantc.compute_scale %p {dims = array<i64: 2>} : tensor<16x1x?xf32> -> tensor<16x1x1xf32>
  %pq = quantc.quantize %p, %ps : tensor<16x1x?xf32>, tensor<16x1x1xf32> -> tensor<16x1x?xi8>
  %pd = quantc.dequantize %pq, %ps : tensor<16x1x?xi8>, tensor<16x1x1xf32> -> tensor<16x1x?xf32>
  %vd = quantc.dequantize %vq, %vs : tensor<16x?x64xi8>, tensor<16x?x1xf32> -> tensor<16x?x64xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x1x64xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<16x1x64xf32>) -> tensor<16x1x64xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<16x?x1xf32>' that varies along reduction dimension 1 (size ?): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; quantize the weight per output channel (a scale varying along dimension 2 only) or per tensor; this operand is computed at run time: if it is attention's V in P·V (an int8 KV cache), the reduction runs over the tokens, so V cannot have a scale per token; store V with a scale per channel (head-dim) and head, or per tensor, and keep the per-token scales for K (Q·Kᵀ reduces over the head-dim)}}
  %y = linalg.batch_matmul ins(%pd, %vd : tensor<16x1x?xf32>, tensor<16x?x64xf32>) outs(%init : tensor<16x1x64xf32>) -> tensor<16x1x64xf32>
  return %y : tensor<16x1x64xf32>
}

// -----

// A constant weight with a per-input-channel scale gets no V hint (the
// message ends after "per tensor").
// DIAG: error: operand #1 (weight) has a per-input-channel scale 'tensor<16x?x1xf32>'{{.*}}so V cannot have a scale per token
// DIAG: error: operand #1 (weight) has a per-input-channel scale 'tensor<64x1xf32>'{{.*}} or per tensor{{$}}
func.func @constant_weight_per_input_channel(%x: tensor<4x64xf32>, %ws: tensor<64x1xf32>) -> tensor<4x16xf32> {
  %wq = arith.constant dense<1> : tensor<64x16xi8>
  %xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x64xf32> -> tensor<4x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xi8>
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<64x1xf32> -> tensor<64x16xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<64x1xf32>' that varies along reduction dimension 0 (size 64): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; quantize the weight per output channel (a scale varying along dimension 1 only) or per tensor}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
