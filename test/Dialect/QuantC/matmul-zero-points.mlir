// RUN: quantc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s -split-input-file -verify-diagnostics | quantc-opt -split-input-file | FileCheck %s

// quantc.matmul's zero points: i32 operands shaped over the result (the
// lhs's constant along the columns, the rhs's along the rows), printed and
// parsed back.
// CHECK-LABEL: func.func @both
// CHECK: quantc.matmul %arg0, %arg1 lhs_zero_point(%arg2 : tensor<4x1xi32>) rhs_zero_point(%arg3 : tensor<1x16xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
func.func @both(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>, %zx: tensor<4x1xi32>, %zw: tensor<1x16xi32>) -> tensor<4x16xi32> {
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<4x1xi32>) rhs_zero_point(%zw : tensor<1x16xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

// CHECK-LABEL: func.func @rhs_only
// CHECK: quantc.matmul %arg0, %arg1 rhs_zero_point(%{{.+}} : tensor<1x1x1xi32>) {transpose_rhs} : tensor<2x4x8xi8>, tensor<2x8x6xi8> -> tensor<2x4x6xi32>
func.func @rhs_only(%x: tensor<2x4x8xi8>, %w: tensor<2x8x6xi8>) -> tensor<2x4x6xi32> {
  %zw = arith.constant dense<-128> : tensor<1x1x1xi32>
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<1x1x1xi32>) {transpose_rhs} : tensor<2x4x8xi8>, tensor<2x8x6xi8> -> tensor<2x4x6xi32>
  return %r : tensor<2x4x6xi32>
}

// -----

func.func @zp_out_of_range(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>) -> tensor<4x16xi32> {
  %zx = arith.constant dense<128> : tensor<1x1xi32>
  // expected-error @+1 {{lhs_zero_point element 0 is 128, outside the storage range [-128, 127] of 'i8'}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

func.func @rhs_zp_out_of_range(%x: tensor<4x8xi8>, %w: tensor<3x8xi8>) -> tensor<4x3xi32> {
  %zw = arith.constant dense<[[0, 5, -129]]> : tensor<1x3xi32>
  // expected-error @+1 {{rhs_zero_point element 2 is -129, outside the storage range [-128, 127] of 'i8'}}
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<1x3xi32>) : tensor<4x8xi8>, tensor<3x8xi8> -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}

// -----

func.func @i4_zp_out_of_range(%x: tensor<4x8xi8>, %w: tensor<3x8xi4>) -> tensor<4x3xi32> {
  %zw = arith.constant dense<8> : tensor<1x1xi32>
  // expected-error @+1 {{rhs_zero_point element 0 is 8, outside the storage range [-8, 7] of 'i4'}}
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<1x1xi32>) : tensor<4x8xi8>, tensor<3x8xi4> -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}

// -----

func.func @lhs_zp_per_column(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>, %zx: tensor<1x16xi32>) -> tensor<4x16xi32> {
  // expected-error @+1 {{lhs_zero_point must have size 1 along dimension 1 (the columns), got 'tensor<1x16xi32>'}}
  %r = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x16xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

func.func @rhs_zp_per_row(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>, %zw: tensor<4x1xi32>) -> tensor<4x16xi32> {
  // expected-error @+1 {{rhs_zero_point must have size 1 along dimension 0 (the rows), got 'tensor<4x1xi32>'}}
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<4x1xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

func.func @zp_rank(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>, %zw: tensor<16xi32>) -> tensor<4x16xi32> {
  // expected-error @+1 {{rhs_zero_point must have the result's rank 2, got 'tensor<16xi32>'}}
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<16xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

func.func @zp_size(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>, %zw: tensor<1x8xi32>) -> tensor<4x16xi32> {
  // expected-error @+1 {{rhs_zero_point dimension 1 is 8, neither 1 nor the result's 16}}
  %r = quantc.matmul %x, %w rhs_zero_point(%zw : tensor<1x8xi32>) : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}
