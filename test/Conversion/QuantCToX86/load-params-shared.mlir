// RUN: quantc-opt %s --quantc-bind-params --quantc-lower-matmul-to-x86="nr=1 small-m=0" --canonicalize --quantc-lower-params | FileCheck %s

// One weight read by two functions (a decoder's prefill and decode step in
// one module): one parameter, packed once into one pair of state globals
// (panels, -128 * colsum) that both functions' kernels read; the transposed
// weight `wkn` (stored [k, n]) is packed once too, through its transpose.
// A weight of another packing (`v`) gets its own state.

// CHECK: module attributes {quantc.params = [{name = "w", type = tensor<20x80xi8>}, {name = "wkn", type = tensor<80x20xi8>}, {name = "v", type = tensor<20x80xi8>}], quantc.state = [{bytes = 2560 : i64, symbol = "__quantc_state_0"}, {bytes = 128 : i64, symbol = "__quantc_state_1"}, {bytes = 2560 : i64, symbol = "__quantc_state_2"}, {bytes = 128 : i64, symbol = "__quantc_state_3"}, {bytes = 2560 : i64, symbol = "__quantc_state_4"}, {bytes = 128 : i64, symbol = "__quantc_state_5"}]}
// CHECK-NOT: __quantc_state_6
// CHECK-LABEL: func.func @prefill
// CHECK-DAG: memref.get_global @__quantc_state_0 : memref<2x20x64xi8>
// CHECK-DAG: memref.get_global @__quantc_state_2 : memref<2x20x64xi8>
// CHECK-LABEL: func.func @decode
// CHECK-DAG: memref.get_global @__quantc_state_0 : memref<2x20x64xi8>
// CHECK-DAG: memref.get_global @__quantc_state_2 : memref<2x20x64xi8>
// CHECK-DAG: memref.get_global @__quantc_state_4 : memref<2x20x64xi8>
// CHECK-LABEL: func.func private @__quantc_prepare_body
// CHECK-COUNT-3: call @__quantc_x86_pack_weights
// CHECK-NOT: call @__quantc_x86_pack_weights
func.func @prefill(%x: tensor<7x80xi8>) -> (tensor<7x20xi32>, tensor<7x20xi32>) {
  %w = arith.constant dense_resource<w> : tensor<20x80xi8>
  %r = quantc.matmul %x, %w : tensor<7x80xi8>, tensor<20x80xi8> -> tensor<7x20xi32>
  %kn = arith.constant dense_resource<wkn> : tensor<80x20xi8>
  %e = tensor.empty() : tensor<20x80xi8>
  %t = linalg.transpose ins(%kn : tensor<80x20xi8>) outs(%e : tensor<20x80xi8>) permutation = [1, 0]
  %s = quantc.matmul %x, %t : tensor<7x80xi8>, tensor<20x80xi8> -> tensor<7x20xi32>
  return %r, %s : tensor<7x20xi32>, tensor<7x20xi32>
}
func.func @decode(%x: tensor<1x80xi8>) -> (tensor<1x20xi32>, tensor<1x20xi32>, tensor<1x20xi32>) {
  %w = arith.constant dense_resource<w> : tensor<20x80xi8>
  %r = quantc.matmul %x, %w : tensor<1x80xi8>, tensor<20x80xi8> -> tensor<1x20xi32>
  %kn = arith.constant dense_resource<wkn> : tensor<80x20xi8>
  %e = tensor.empty() : tensor<20x80xi8>
  %t = linalg.transpose ins(%kn : tensor<80x20xi8>) outs(%e : tensor<20x80xi8>) permutation = [1, 0]
  %s = quantc.matmul %x, %t : tensor<1x80xi8>, tensor<20x80xi8> -> tensor<1x20xi32>
  %v = arith.constant dense_resource<v> : tensor<20x80xi8>
  %u = quantc.matmul %x, %v : tensor<1x80xi8>, tensor<20x80xi8> -> tensor<1x20xi32>
  return %r, %s, %u : tensor<1x20xi32>, tensor<1x20xi32>, tensor<1x20xi32>
}
