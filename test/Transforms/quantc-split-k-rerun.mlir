// RUN: quantc-opt %s --quantc-split-k="max-chunk=64" -split-input-file | quantc-opt --quantc-split-k -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-split-k -split-input-file | quantc-opt --quantc-split-k -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=TWICE

// --quantc-split-k after itself (a max-chunk run, then the pipeline's own)
// leaves its output alone: the first branch's GEMM is bounded by its scf.if
// (K <= limit), each chunk of the loop by its arith.minui with the limit.
// Before, the second run wrapped the first branch in a second, identical
// check, and warned that each chunk's int32 result (used by arith.extsi)
// wraps beyond K = 131040.
// CHECK-LABEL: func.func @rerun
// CHECK: arith.constant 64 : index
// CHECK: scf.if
// CHECK-NOT: scf.if
// CHECK: scf.for
// CHECK-NOT: scf.if
// CHECK: return
// TWICE-LABEL: func.func @rerun
// TWICE: arith.constant 131040 : index
// TWICE: scf.if
// TWICE-NOT: scf.if
// TWICE: return
func.func @rerun(%x: tensor<3x2x?xi8>, %w: tensor<4x?xi8>) -> tensor<3x2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<3x2x?xi8>, tensor<4x?xi8> -> tensor<3x2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<3x2x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<3x2x4xf32>
  return %y : tensor<3x2x4xf32>
}

// -----

// The same through transposes (a KV cache read as [H, D, L]): the bound of
// the first branch is read through them too.
// CHECK-LABEL: func.func @rerun_kv_cache
// CHECK: scf.if
// CHECK-NOT: scf.if
// CHECK: return
// TWICE-LABEL: func.func @rerun_kv_cache
// TWICE: scf.if
// TWICE-NOT: scf.if
// TWICE: return
func.func @rerun_kv_cache(%p: tensor<16x1x?xi8>, %vc: tensor<?x16x64xi8>) -> tensor<16x1x64xf32> {
  %c0 = arith.constant 0 : index
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %l = tensor.dim %vc, %c0 : tensor<?x16x64xi8>
  %e = tensor.empty(%l) : tensor<16x64x?xi8>
  %t = linalg.transpose ins(%vc : tensor<?x16x64xi8>) outs(%e : tensor<16x64x?xi8>) permutation = [1, 2, 0]
  %acc = quantc.matmul %p, %t : tensor<16x1x?xi8>, tensor<16x64x?xi8> -> tensor<16x1x64xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<16x1x64xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<16x1x64xf32>
  return %y : tensor<16x1x64xf32>
}
