// RUN: quantc-opt %s --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s

// linalg.quantized_matmul (upstream's integer GEMM with scalar zero points,
// the weight [K, N]) becomes quantc.matmul with the zero points as [1, 1]
// operands and transpose_rhs.
// CHECK-LABEL: func.func @quantized_matmul
// CHECK-SAME: (%[[A:.+]]: tensor<5x8xi8>, %[[B:.+]]: tensor<8x6xi8>, %[[ZA:.+]]: i32, %[[ZB:.+]]: i32)
// CHECK-DAG: %[[TA:.+]] = tensor.from_elements %[[ZA]] : tensor<1x1xi32>
// CHECK-DAG: %[[TB:.+]] = tensor.from_elements %[[ZB]] : tensor<1x1xi32>
// CHECK: %[[R:.+]] = quantc.matmul %[[A]], %[[B]] lhs_zero_point(%[[TA]] : tensor<1x1xi32>) rhs_zero_point(%[[TB]] : tensor<1x1xi32>) {transpose_rhs} : tensor<5x8xi8>, tensor<8x6xi8> -> tensor<5x6xi32>
// CHECK-NOT: linalg.quantized_matmul
// CHECK: return %[[R]]
func.func @quantized_matmul(%a: tensor<5x8xi8>, %b: tensor<8x6xi8>, %za: i32, %zb: i32) -> tensor<5x6xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x6xi32>) -> tensor<5x6xi32>
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi8>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}

// -----

// A constant zero point 0 is no operand; a non-zero accumulator is added
// after the GEMM.
// CHECK-LABEL: func.func @batch_accumulate
// CHECK: %[[R:.+]] = quantc.matmul %arg0, %arg1 lhs_zero_point(%{{.+}} : tensor<1x1x1xi32>) {transpose_rhs} : tensor<2x5x8xi8>, tensor<2x8x6xi8> -> tensor<2x5x6xi32>
// CHECK: %[[S:.+]] = arith.addi %arg2, %[[R]] : tensor<2x5x6xi32>
// CHECK: return %[[S]]
func.func @batch_accumulate(%a: tensor<2x5x8xi8>, %b: tensor<2x8x6xi8>, %acc: tensor<2x5x6xi32>) -> tensor<2x5x6xi32> {
  %za = arith.constant -3 : i32
  %zb = arith.constant 0 : i32
  %r = linalg.quantized_batch_matmul ins(%a, %b, %za, %zb : tensor<2x5x8xi8>, tensor<2x8x6xi8>, i32, i32) outs(%acc : tensor<2x5x6xi32>) -> tensor<2x5x6xi32>
  return %r : tensor<2x5x6xi32>
}

// -----

// A constant zero point outside the operand's storage range stays a linalg
// op, with a remark.
// CHECK-LABEL: func.func @zp_out_of_range
// CHECK: linalg.quantized_matmul
func.func @zp_out_of_range(%a: tensor<5x8xi8>, %b: tensor<8x6xi8>) -> tensor<5x6xi32> {
  %za = arith.constant 200 : i32
  %zb = arith.constant 0 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x6xi32>) -> tensor<5x6xi32>
  // expected-remark @+1 {{stays a linalg op: the lhs zero point 200 is outside the operand's storage range [-128, 127]}}
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi8>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}

// -----

// Wider than 8 bits: not a quantc.matmul.
// CHECK-LABEL: func.func @wide
// CHECK: linalg.quantized_matmul
func.func @wide(%a: tensor<5x8xi16>, %b: tensor<8x6xi8>, %za: i32, %zb: i32, %init: tensor<5x6xi32>) -> tensor<5x6xi32> {
  // expected-remark @+1 {{stays a linalg op: quantc.matmul takes integer operands of at most 8 bits, not tensor<5x8xi16>}}
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi16>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}
