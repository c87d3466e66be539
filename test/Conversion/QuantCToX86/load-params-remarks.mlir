// RUN: quantc-opt %s --quantc-bind-params --quantc-lower-matmul-to-x86 --canonicalize -split-input-file -verify-diagnostics | FileCheck %s

// A load-time weight read transposed is copied into the kernel's layout
// once, by the prepare function: no "copied on every call" remark (the
// same matmul on a run-time weight gets one).
// CHECK-LABEL: func.func @transposed_param
// CHECK-NOT: linalg.transpose
// CHECK: call @__quantc_x86_gemm
func.func @transposed_param(%x: tensor<3x80xi8>) -> tensor<3x20xi32> {
  %w = arith.constant dense_resource<w> : tensor<80x20xi8>
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<3x80xi8>, tensor<80x20xi8> -> tensor<3x20xi32>
  return %r : tensor<3x20xi32>
}
// 4 rows: packed from [K, N] by the kernel (weight_kn): no copy, no remark.
// CHECK-LABEL: func.func @transposed_runtime(
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @transposed_runtime(%x: tensor<4x80xi8>, %w: tensor<80x20xi8>) -> tensor<4x20xi32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<4x80xi8>, tensor<80x20xi8> -> tensor<4x20xi32>
  return %r : tensor<4x20xi32>
}
// 1-3 rows: the decode kernel reads the run-time rhs in place (no remark).
// CHECK-LABEL: func.func @transposed_runtime_decode
// CHECK: call @__quantc_x86_decode_gemm
func.func @transposed_runtime_decode(%x: tensor<3x80xi8>, %w: tensor<80x20xi8>) -> tensor<3x20xi32> {
  %r = quantc.matmul %x, %w {transpose_rhs} : tensor<3x80xi8>, tensor<80x20xi8> -> tensor<3x20xi32>
  return %r : tensor<3x20xi32>
}

// -----

// A batched GEMM packs its weight per batch at run time, a load-time one
// too: a remark says so.
func.func @batched_param(%x: tensor<2x3x80xi8>) -> tensor<2x3x20xi32> {
  %w = arith.constant dense_resource<wb> : tensor<2x20x80xi8>
  // expected-remark @+1 {{the avx512-vnni kernel packs the load-time weight on every call, not once when the parameters are bound: a batched GEMM packs its weight per batch at run time}}
  %r = quantc.matmul %x, %w : tensor<2x3x80xi8>, tensor<2x20x80xi8> -> tensor<2x3x20xi32>
  return %r : tensor<2x3x20xi32>
}
