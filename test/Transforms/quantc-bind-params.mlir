// RUN: quantc-opt %s --quantc-bind-params -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-bind-params="min-bytes=4" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SMALL

// Resource constants above 256 bytes become parameters, numbered in order of
// first use; a blob used twice is one parameter; the blob's bytes are not
// needed (none given here). Small resources and textual constants stay.
// CHECK: module attributes {quantc.params = [{name = "w0", type = tensor<2x200xi8>}, {name = "w1", type = tensor<100xf32>}]}
// CHECK-LABEL: func.func @bind
// CHECK-DAG: %[[W0:.+]] = quantc.param "w0" index 0 : tensor<2x200xi8>
// CHECK-DAG: %[[W1:.+]] = quantc.param "w1" index 1 : tensor<100xf32>
// CHECK-DAG: arith.constant dense_resource<small> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<1> : tensor<2x200xi8>
// CHECK-NOT: dense_resource<w
// CHECK-LABEL: func.func @again
// CHECK: quantc.param "w0" index 0 : tensor<2x200xi8>
// With min-bytes=4 the 8-byte resource is a parameter too (index 2).
// SMALL: {name = "small", type = tensor<2xf32>}
// SMALL: quantc.param "small" index 2 : tensor<2xf32>
func.func @bind() -> (tensor<2x200xi8>, tensor<100xf32>, tensor<2xf32>, tensor<2x200xi8>) {
  %w0 = arith.constant dense_resource<w0> : tensor<2x200xi8>
  %w1 = arith.constant dense_resource<w1> : tensor<100xf32>
  %s = arith.constant dense_resource<small> : tensor<2xf32>
  %t = arith.constant dense<1> : tensor<2x200xi8>
  return %w0, %w1, %s, %t : tensor<2x200xi8>, tensor<100xf32>, tensor<2xf32>, tensor<2x200xi8>
}
func.func @again() -> tensor<2x200xi8> {
  %w0 = arith.constant dense_resource<w0> : tensor<2x200xi8>
  return %w0 : tensor<2x200xi8>
}

// -----

// No byte storage to bind: i1 stays a constant, with a remark.
// CHECK-LABEL: func.func @flags
// CHECK: arith.constant dense_resource<flags> : tensor<4096xi1>
func.func @flags() -> tensor<4096xi1> {
  // expected-remark @+1 {{stays a compile-time constant, not a load-time parameter: 'i1' elements have no byte storage to bind}}
  %f = arith.constant dense_resource<flags> : tensor<4096xi1>
  return %f : tensor<4096xi1>
}

// -----

// i4: one byte per element (sign-extended), so 257 elements are 257 bytes
// and bind; 256 stay a constant.
// CHECK: module attributes {quantc.params = [{name = "w4", type = tensor<257xi4>}]}
// CHECK-LABEL: func.func @int4
// CHECK: quantc.param "w4" index 0 : tensor<257xi4>
// CHECK: arith.constant dense_resource<w4s> : tensor<256xi4>
func.func @int4() -> (tensor<257xi4>, tensor<256xi4>) {
  %a = arith.constant dense_resource<w4> : tensor<257xi4>
  %b = arith.constant dense_resource<w4s> : tensor<256xi4>
  return %a, %b : tensor<257xi4>, tensor<256xi4>
}

// -----

// One blob, two types: an error naming it.
func.func @two_types() -> (tensor<400xi8>, tensor<100xf32>) {
  %a = arith.constant dense_resource<w> : tensor<400xi8>
  // expected-error @+1 {{dense_resource<w> is used as 'tensor<100xf32>' and as 'tensor<400xi8>'; a parameter has one type}}
  %b = arith.constant dense_resource<w> : tensor<100xf32>
  return %a, %b : tensor<400xi8>, tensor<100xf32>
}
