// RUN: quantc-opt %s --quantc-split-shared-empty-tensors | FileCheck %s
// RUN: quantc-opt %s --quantc-split-shared-empty-tensors --eliminate-empty-tensors --one-shot-bufferize="bufferize-function-boundaries" --cse --canonicalize | FileCheck %s --check-prefix=BUF
// RUN: quantc-opt %s --eliminate-empty-tensors --one-shot-bufferize="bufferize-function-boundaries" --cse --canonicalize | FileCheck %s --check-prefix=SHARED
// The CPU pipeline's step before bufferization: CSE merges identical
// tensor.empty and linalg.fill ops (two convolutions' zero-padded inputs of
// one shape), and empty-tensor elimination then makes every producer write
// into the first destination, which one-shot bufferization resolves with
// copies of the whole padded buffer. Each use gets its own.

// CHECK-LABEL: func.func @two_padded
// CHECK-DAG: tensor.empty() : tensor<2x6x6x4xi8>
// CHECK-DAG: tensor.empty() : tensor<2x6x6x4xi8>
// CHECK-DAG: linalg.fill
// CHECK-DAG: linalg.fill
// CHECK-DAG: tensor.empty() : tensor<2x4x4x4xi8>
// CHECK-DAG: tensor.empty() : tensor<2x4x4x4xi8>
// CHECK: return
// BUF-LABEL: func.func @two_padded
// BUF-NOT: memref.copy
// BUF: return
// SHARED-LABEL: func.func @two_padded
// SHARED: memref.copy %alloc{{.*}} : memref<2x6x6x4xi8> to memref<2x6x6x4xi8>
func.func @two_padded(%a: tensor<2x4x4x4xf32>, %b: tensor<2x4x4x4xf32>) -> (tensor<2x6x6x4xi8>, tensor<2x6x6x4xi8>) {
  %z = arith.constant 0 : i8
  %e = tensor.empty() : tensor<2x6x6x4xi8>
  %f = linalg.fill ins(%z : i8) outs(%e : tensor<2x6x6x4xi8>) -> tensor<2x6x6x4xi8>
  %q = tensor.empty() : tensor<2x4x4x4xi8>
  %qa = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<2x4x4x4xf32>) outs(%q : tensor<2x4x4x4xi8>) {
  ^bb0(%x: f32, %o: i8):
    %i = arith.fptosi %x : f32 to i8
    linalg.yield %i : i8
  } -> tensor<2x4x4x4xi8>
  %pa = tensor.insert_slice %qa into %f[0, 1, 1, 0] [2, 4, 4, 4] [1, 1, 1, 1] : tensor<2x4x4x4xi8> into tensor<2x6x6x4xi8>
  %qb = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<2x4x4x4xf32>) outs(%q : tensor<2x4x4x4xi8>) {
  ^bb0(%x: f32, %o: i8):
    %i = arith.fptosi %x : f32 to i8
    linalg.yield %i : i8
  } -> tensor<2x4x4x4xi8>
  %pb = tensor.insert_slice %qb into %f[0, 1, 1, 0] [2, 4, 4, 4] [1, 1, 1, 1] : tensor<2x4x4x4xi8> into tensor<2x6x6x4xi8>
  return %pa, %pb : tensor<2x6x6x4xi8>, tensor<2x6x6x4xi8>
}
