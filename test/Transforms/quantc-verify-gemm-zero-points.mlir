// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-verify-gemm="mode=warn" -split-input-file | FileCheck %s --check-prefix=WARN

// The `_q` forms (integer operands, scalar zero points) are verified like
// every contraction (issue 17 item 1): int8, with their roles read from the
// indexing maps. A constant zero point outside the storage range of its
// operand is an error (mode=warn: a remark and an "illegal" mark), for the
// GEMM and the convolution forms alike.

// CHECK-LABEL: func.func @matmul_zp_in_range
// CHECK: linalg.quantized_matmul
// CHECK-SAME: quantc.gemm = "int8"
func.func @matmul_zp_in_range(%a: tensor<5x8xi8>, %b: tensor<8x6xi8>) -> tensor<5x6xi32> {
  %za = arith.constant -128 : i32
  %zb = arith.constant 127 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x6xi32>) -> tensor<5x6xi32>
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi8>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}

// -----

// WARN-LABEL: func.func @matmul_zp_out_of_range
// WARN: linalg.quantized_matmul
// WARN-SAME: quantc.gemm = "illegal"
func.func @matmul_zp_out_of_range(%a: tensor<5x8xi8>, %b: tensor<8x6xi8>) -> tensor<5x6xi32> {
  %za = arith.constant 200 : i32
  %zb = arith.constant 0 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x6xi32>) -> tensor<5x6xi32>
  // expected-error @+1 {{the lhs zero point 200 is outside the storage range [-128, 127] of its 8-bit operand: (q - zero point) would not be the value the operand stores}}
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x8xi8>, tensor<8x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}

// -----

func.func @batch_matmul_rhs_zp_out_of_range(%a: tensor<2x5x8xi8>, %b: tensor<2x8x6xi8>) -> tensor<2x5x6xi32> {
  %za = arith.constant 0 : i32
  %zb = arith.constant -129 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<2x5x6xi32>) -> tensor<2x5x6xi32>
  // expected-error @+1 {{the rhs zero point -129 is outside the storage range [-128, 127] of its 8-bit operand}}
  %r = linalg.quantized_batch_matmul ins(%a, %b, %za, %zb : tensor<2x5x8xi8>, tensor<2x8x6xi8>, i32, i32) outs(%init : tensor<2x5x6xi32>) -> tensor<2x5x6xi32>
  return %r : tensor<2x5x6xi32>
}

// -----

func.func @conv_filter_zp_out_of_range(%x: tensor<1x4x6x6xi8>, %w: tensor<8x4x3x3xi8>) -> tensor<1x8x4x4xi32> {
  %zx = arith.constant 3 : i32
  %zw = arith.constant 128 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x8x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x8x4x4xi32>) -> tensor<1x8x4x4xi32>
  // expected-error @+1 {{the filter zero point 128 is outside the storage range [-128, 127] of its 8-bit operand}}
  %r = linalg.conv_2d_nchw_fchw_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x4x6x6xi8>, tensor<8x4x3x3xi8>, i32, i32) outs(%init : tensor<1x8x4x4xi32>) -> tensor<1x8x4x4xi32>
  return %r : tensor<1x8x4x4xi32>
}

// -----

// CHECK-LABEL: func.func @depthwise_q_dynamic_zp
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc_q
// CHECK-SAME: quantc.gemm = "int8"
func.func @depthwise_q_dynamic_zp(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x4xi8>, %zx: i32, %zw: i32) -> tensor<1x4x4x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x4xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  %r = linalg.depthwise_conv_2d_nhwc_hwc_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w, %zx, %zw : tensor<1x6x6x4xi8>, tensor<3x3x4xi8>, i32, i32) outs(%init : tensor<1x4x4x4xi32>) -> tensor<1x4x4x4xi32>
  return %r : tensor<1x4x4x4xi32>
}

// -----

// The zero points widen the factors of the products: (a + 128) * (b - 127)
// reaches 255 * 255, so K = 40000 overflows int32 (128 * 128 * K would not).
func.func @matmul_zp_overflow(%a: tensor<5x40000xi8>, %b: tensor<40000x6xi8>) -> tensor<5x6xi32> {
  %za = arith.constant -128 : i32
  %zb = arith.constant 127 : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x6xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x6xi32>) -> tensor<5x6xi32>
  // expected-error @+1 {{int32 accumulator can overflow: the reduction dimension of 40000 elements x |qmax| 255 (activation) x |qmax| 255 (weight) = 2601000000 >= 2^31; split the reduction dimension into 2 chunks of at most 33024 elements}}
  %r = linalg.quantized_matmul ins(%a, %b, %za, %zb : tensor<5x40000xi8>, tensor<40000x6xi8>, i32, i32) outs(%init : tensor<5x6xi32>) -> tensor<5x6xi32>
  return %r : tensor<5x6xi32>
}

// -----

// An empty result accumulates nothing: no overflow to report, whatever K
// (it was an error for 0 rows x K = 140000).
// CHECK-LABEL: func.func @empty_rows
// CHECK: quantc.gemm = "int8"
// CHECK-NOT: quantc.gemm_k_split
func.func @empty_rows(%x: tensor<0x140000xi8>, %w: tensor<4x140000xi8>) -> tensor<0x4xi32> {
  %a = quantc.matmul %x, %w : tensor<0x140000xi8>, tensor<4x140000xi8> -> tensor<0x4xi32>
  return %a : tensor<0x4xi32>
}
