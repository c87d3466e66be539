// RUN: quantc-opt %s --quantc-cpu-pipeline -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-gpu-pipeline -split-input-file | FileCheck %s

// Valid inputs with a 0-size dimension compile on every pipeline. Before,
// each failed with invalid IR from a pass: 0 rows over a long K
// (--quantc-split-k sliced the 0-size dimension), a K = 0 per-token
// quantization (--quantc-fuse's row loop did), a batch of 0 over a dynamic M
// or 0 rows per batch of a dynamic batch (the x86 kernels' row collapse, cpu
// pipelines only).

// CHECK-LABEL: llvm.func @empty_rows_long_k
func.func @empty_rows_long_k(%x: tensor<0x140000xi8>, %w: tensor<4x140000xi8>) -> tensor<0x4xf32> {
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<0x140000xi8>, tensor<4x140000xi8> -> tensor<0x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<0x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<0x4xf32>
  return %y : tensor<0x4xf32>
}

// -----

// CHECK-LABEL: llvm.func @per_token_k0
func.func @per_token_k0(%x: tensor<2x0xf32>) -> tensor<2x4xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %wq = arith.constant dense<> : tensor<0x4xi8>
  %ws = arith.constant dense<1.0> : tensor<1x4xf32>
  %w = quantc.dequantize %wq, %ws : tensor<0x4xi8>, tensor<1x4xf32> -> tensor<0x4xf32>
  %xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<2x0xf32> -> tensor<2x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<2x0xf32>, tensor<2x1xf32> -> tensor<2x0xi8>
  %xd = quantc.dequantize %xq, %xs : tensor<2x0xi8>, tensor<2x1xf32> -> tensor<2x0xf32>
  %y = linalg.matmul ins(%xd, %w : tensor<2x0xf32>, tensor<0x4xf32>) outs(%z : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: llvm.func @empty_batch
func.func @empty_batch(%x: tensor<0x?x8xi8>, %w: tensor<4x8xi8>) -> tensor<0x?x4xf32> {
  %s = arith.constant dense<0.5> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<0x?x8xi8>, tensor<4x8xi8> -> tensor<0x?x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<0x?x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<0x?x4xf32>
  return %y : tensor<0x?x4xf32>
}

// -----

// CHECK-LABEL: llvm.func @empty_rows_per_batch
func.func @empty_rows_per_batch(%x: tensor<?x0x8xi8>, %w: tensor<4x8xi8>) -> tensor<?x0x4xf32> {
  %s = arith.constant dense<0.5> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<?x0x8xi8>, tensor<4x8xi8> -> tensor<?x0x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<?x0x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<?x0x4xf32>
  return %y : tensor<?x0x4xf32>
}
