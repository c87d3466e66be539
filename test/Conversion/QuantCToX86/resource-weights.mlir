// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="nr=1 small-m=0" -split-input-file -verify-diagnostics | FileCheck %s

// A dense_resource int8 weight is packed at compile time like a dense one
// (the bytes of lower-matmul-to-x86.mlir's @plain), into resource globals:
// the packed weight and the compensation (-128 * colsum) never become text.
// CHECK: memref.global "private" constant @[[$W:__quantc_x86_w[_0-9]*]] : memref<1x2x64xi8> = dense_resource<w_packed> {alignment = 64 : i64}
// CHECK: memref.global "private" constant @[[$COMP:__quantc_x86_comp[_0-9]*]] : memref<16xi32> = dense_resource<w_comp> {alignment = 64 : i64}
// CHECK-LABEL: func.func @plain
// CHECK: memref.get_global @[[$W]] : memref<1x2x64xi8>
// CHECK: memref.get_global @[[$COMP]] : memref<16xi32>
// CHECK: quantc.x86.vpdpbusd
// CHECK: dialect_resources
// CHECK-DAG: w_packed: "0x4000000001020304FFFEFDFC{{(00)+}}0500000080000000{{(00)+}}"
// CHECK-DAG: w_comp: "0x4000000080F8FFFF00450000{{(00)+}}"
func.func @plain(%x: tensor<3x5xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense_resource<w> : tensor<2x5xi8>
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x010000000102030405FFFEFDFC80"
    }
  }
#-}

// -----

// A resource weight without its bytes (elided) is not packed: a remark says
// so and the reference lowering keeps the op.
func.func @missing_blob(%x: tensor<3x5xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense_resource<elided_weight> : tensor<2x5xi8>
  // expected-remark @+1 {{the bytes of the constant weight cannot be read}}
  %r = quantc.matmul %x, %w : tensor<3x5xi8>, tensor<2x5xi8> -> tensor<3x2xi32>
  return %r : tensor<3x2xi32>
}
