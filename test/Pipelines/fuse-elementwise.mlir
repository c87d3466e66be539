// RUN: quantc-opt %s --quantc-fuse-elementwise -split-input-file | FileCheck %s

// The CPU pipeline's elementwise fusion: a single-use producer is fused into
// a consumer that reads it through a projected permutation (here a
// broadcast-free chain: one generic left).
// CHECK-LABEL: func.func @chain
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @chain(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x16xf32>) outs(%e2 : tensor<4x16xf32>) {
  ^bb0(%p: f32, %o: f32):
    %m = arith.mulf %p, %p : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  return %b : tensor<4x16xf32>
}

// -----

// A producer that accumulates into its init (a depthwise convolution's
// taps added to the output) read by an im2col gather (rows i + k of a
// sliding window): not fused. Fused, the gather would revisit the
// producer's elements and add the taps to the accumulator once per visit
// (upstream's --linalg-fuse-elementwise-ops does fuse it).
// CHECK-LABEL: func.func @accumulate_then_gather
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<6x16xf32>, tensor<16xf32>) outs(%arg2 : tensor<6x16xf32>)
// CHECK: %[[G:.+]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<6x16xf32>) outs(%{{.+}} : tensor<4x3x16xf32>)
// CHECK: return %[[G]]
func.func @accumulate_then_gather(%x: tensor<6x16xf32>, %w: tensor<16xf32>, %init: tensor<6x16xf32>) -> tensor<4x3x16xf32> {
  %acc = linalg.generic {indexing_maps = [affine_map<(i, c) -> (i, c)>, affine_map<(i, c) -> (c)>, affine_map<(i, c) -> (i, c)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%x, %w : tensor<6x16xf32>, tensor<16xf32>) outs(%init : tensor<6x16xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<6x16xf32>
  %e = tensor.empty() : tensor<4x3x16xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, k, c) -> (i + k, c)>, affine_map<(i, k, c) -> (i, k, c)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%acc : tensor<6x16xf32>) outs(%e : tensor<4x3x16xf32>) {
  ^bb0(%p: f32, %o: f32):
    linalg.yield %p : f32
  } -> tensor<4x3x16xf32>
  return %g : tensor<4x3x16xf32>
}

// -----

// The same producer read through a broadcast (each row of the consumer
// reads all of it): not fused either; each recomputation would add the
// taps to the init again.
// CHECK-LABEL: func.func @accumulate_then_broadcast
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} outs(%arg2 : tensor<16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<16xf32>)
func.func @accumulate_then_broadcast(%x: tensor<16xf32>, %w: tensor<16xf32>, %init: tensor<16xf32>) -> tensor<4x16xf32> {
  %acc = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>, affine_map<(c) -> (c)>],
                         iterator_types = ["parallel"]}
      ins(%x, %w : tensor<16xf32>, tensor<16xf32>) outs(%init : tensor<16xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, c) -> (c)>, affine_map<(i, c) -> (i, c)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%acc : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %o: f32):
    %d = arith.addf %p, %p : f32
    linalg.yield %d : f32
  } -> tensor<4x16xf32>
  return %g : tensor<4x16xf32>
}

// -----

// A producer that does not read its init is recomputed per broadcast row.
// CHECK-LABEL: func.func @pure_then_broadcast
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @pure_then_broadcast(%x: tensor<16xf32>) -> tensor<4x16xf32> {
  %e0 = tensor.empty() : tensor<16xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(c) -> (c)>, affine_map<(c) -> (c)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e0 : tensor<16xf32>) {
  ^bb0(%p: f32, %o: f32):
    %m = arith.mulf %p, %p : f32
    linalg.yield %m : f32
  } -> tensor<16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, c) -> (c)>, affine_map<(i, c) -> (i, c)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%p: f32, %o: f32):
    %d = arith.addf %p, %p : f32
    linalg.yield %d : f32
  } -> tensor<4x16xf32>
  return %g : tensor<4x16xf32>
}
