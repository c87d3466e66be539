// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise))" -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise{lanes=8}))" 2>/dev/null | FileCheck %s --check-prefix=AVX2

// A row reduction: rows one by one, K in vectors of 16, reduced into the
// row's accumulator.
// CHECK-LABEL: func.func @row_max
// CHECK-DAG: %[[C5:.+]] = arith.constant 5 : index
// CHECK-DAG: %[[C48:.+]] = arith.constant 48 : index
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %[[C5]] step %{{.+}} iter_args
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %[[C48]] step %[[C16]] iter_args
// CHECK: tensor.extract_slice %{{.+}}[%[[I]], %[[J]]] [1, 16] [1, 1] : tensor<5x48xf32> to tensor<1x16xf32>
// CHECK: vector.transfer_read {{.+}} : tensor<1x16xf32>, vector<1x16xf32>
// CHECK: vector.multi_reduction <maximumf>, %{{.+}}, %{{.+}} [1] : vector<1x16xf32> to vector<1xf32>
// CHECK-NOT: linalg.generic
// AVX2-LABEL: func.func @row_max
// AVX2: vector.multi_reduction <maximumf>, %{{.+}}, %{{.+}} [1] : vector<1x8xf32> to vector<1xf32>
func.func @row_max(%x: tensor<5x48xf32>, %init: tensor<5xf32>) -> tensor<5xf32> {
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<5x48xf32>) outs(%init : tensor<5xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<5xf32>
  return %m : tensor<5xf32>
}

// An elementwise op with a per-row broadcast operand: the body on vectors.
// CHECK-LABEL: func.func @sub_exp
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.subf %{{.+}}, %{{.+}} : vector<1x16xf32>
// CHECK: math.exp %{{.+}} : vector<1x16xf32>
// CHECK: vector.transfer_write %{{.+}} : vector<1x16xf32>, tensor<1x16xf32>
func.func @sub_exp(%x: tensor<5x48xf32>, %m: tensor<5xf32>) -> tensor<5x48xf32> {
  %e = tensor.empty() : tensor<5x48xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x, %m : tensor<5x48xf32>, tensor<5xf32>) outs(%e : tensor<5x48xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<5x48xf32>
  return %r : tensor<5x48xf32>
}

// Left as they are, each with a remark: an innermost extent that is not a
// whole number of vectors, a reduction that is not innermost, dynamic shapes,
// a body the vectorizer does not take (a call).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.for
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.
func.func @left_alone(%x: tensor<5x37xf32>, %y: tensor<48x5xf32>, %i5: tensor<5xf32>, %z: tensor<?x48xf32>, %w: tensor<5x48xf32>) -> (tensor<5x37xf32>, tensor<5xf32>, tensor<?x48xf32>, tensor<5x48xf32>) {
  %e = tensor.empty() : tensor<5x37xf32>
  // expected-remark @+1 {{runs as scalar loops, not in 16-lane vector tiles: its innermost extent 37 is not a multiple of 16}}
  %a = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<5x37xf32>) outs(%e : tensor<5x37xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.exp %v : f32
    linalg.yield %r : f32
  } -> tensor<5x37xf32>
  // expected-remark @+1 {{runs as scalar loops, not in 16-lane vector tiles: a reduction that is not its innermost loop}}
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]} ins(%y : tensor<48x5xf32>) outs(%i5 : tensor<5xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %v, %acc : f32
    linalg.yield %r : f32
  } -> tensor<5xf32>
  // expected-remark @+1 {{runs as scalar loops, not in 16-lane vector tiles: dynamic shapes}}
  %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%z : tensor<?x48xf32>) outs(%z : tensor<?x48xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.exp %v : f32
    linalg.yield %r : f32
  } -> tensor<?x48xf32>
  // expected-remark @+1 {{runs as scalar loops, not in 16-lane vector tiles: the vectorizer does not take its body}}
  %d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%w : tensor<5x48xf32>) {
  ^bb0(%o: f32):
    %v = func.call @opaque(%o) : (f32) -> f32
    linalg.yield %v : f32
  } -> tensor<5x48xf32>
  return %a, %b, %c, %d : tensor<5x37xf32>, tensor<5xf32>, tensor<?x48xf32>, tensor<5x48xf32>
}
func.func private @opaque(f32) -> f32
