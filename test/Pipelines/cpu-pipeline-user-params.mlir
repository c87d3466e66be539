// A quantc.param written by hand (with the module's quantc.params list)
// compiles with --quantc-cpu-pipeline=weights=load: bound at load time, read
// from the load-time state (without weights=load it is an error, see
// pipeline-input-invalid.mlir).
// RUN: quantc-opt %s --quantc-cpu-pipeline=weights=load | FileCheck %s
// CHECK: module attributes {quantc.params = [{name = "w", type = tensor<32x64xi8>}]
// CHECK: llvm.func @p(
// CHECK-NOT: quantc.param
module attributes {quantc.params = [{name = "w", type = tensor<32x64xi8>}]} {
  func.func @p(%x: tensor<8x64xi8>) -> tensor<8x32xi32> {
    %w = quantc.param "w" index 0 : tensor<32x64xi8>
    %a = quantc.matmul %x, %w : tensor<8x64xi8>, tensor<32x64xi8> -> tensor<8x32xi32>
    return %a : tensor<8x32xi32>
  }
}
