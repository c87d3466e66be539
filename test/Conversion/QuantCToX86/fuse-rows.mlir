// --quantc-x86-vectorize-elementwise's fuse-rows: the row loops of
// consecutive ops become one loop when the second reads the first's result
// only in the row just written (level by level: heads, then rows), through
// an expand_shape that keeps the row whole.
// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise),canonicalize,cse)" -split-input-file | FileCheck %s
// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise{fuse-rows=false}),canonicalize,cse)" -split-input-file | FileCheck %s --check-prefix=OFF

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row3 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#red4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// Softmax over [H, S, S] as torch decomposes it: the max reads the exp's
// input through an expand_shape [H, S, 1, S]. One loop over the heads,
// one over the rows in it, then the max's and the exp's loops over the
// row's vectors.
// CHECK-LABEL: func.func @softmax_heads
// CHECK: %[[R:.+]]:2 = scf.for %[[H:.+]] = %c0 to %c4 step %c1 iter_args(
// CHECK: scf.for %[[S:.+]] = %c0 to %{{.+}} step %c1 iter_args(
// CHECK: vector.reduction <maximumf>
// CHECK: %[[M:.+]] = tensor.insert %{{.+}} into %{{.+}}[%[[H]], %[[S]], %c0]
// CHECK: tensor.extract %[[M]][%[[H]], %[[S]], %c0]
// CHECK: math.floor
// CHECK: vector.transfer_write %{{.+}}, %{{.+}}[%[[H]], %[[S]], %{{.+}}]
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: scf.for
// CHECK: return %[[R]]#1
// OFF-LABEL: func.func @softmax_heads
// OFF: scf.for
// OFF: } {quantc.x86_rows}
// OFF: scf.for
// OFF: } {quantc.x86_rows}
func.func @softmax_heads(%x: tensor<4x?x?xf32>) -> tensor<4x?x?xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %ninf = arith.constant 0xFF800000 : f32
  %s = tensor.dim %x, %c1 : tensor<4x?x?xf32>
  %n = tensor.dim %x, %c2 : tensor<4x?x?xf32>
  %e0 = tensor.empty(%s) : tensor<4x?xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e0 : tensor<4x?xf32>) -> tensor<4x?xf32>
  %fe = tensor.expand_shape %f [[0], [1, 2]] output_shape [4, %s, 1] : tensor<4x?xf32> into tensor<4x?x1xf32>
  %xe = tensor.expand_shape %x [[0], [1, 2], [3]] output_shape [4, %s, 1, %n] : tensor<4x?x?xf32> into tensor<4x?x1x?xf32>
  %mx = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xe : tensor<4x?x1x?xf32>) outs(%fe : tensor<4x?x1xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<4x?x1xf32>
  %e1 = tensor.empty(%s, %n) : tensor<4x?x?xf32>
  %ex = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %mx : tensor<4x?x?xf32>, tensor<4x?x1xf32>) outs(%e1 : tensor<4x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<4x?x?xf32>
  return %ex : tensor<4x?x?xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
#first = affine_map<(d0, d1) -> (0)>

// The second op reads the first's result at row 0 for every row (written
// by the first's first iteration only): two loops.
// CHECK-LABEL: func.func @other_row
// CHECK: scf.for
// CHECK: } {quantc.x86_rows}
// CHECK: scf.for
// CHECK: } {quantc.x86_rows}
func.func @other_row(%x: tensor<?x64xf32>, %init: tensor<?xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %sum = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x64xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e = tensor.empty(%m) : tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #first, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %sum : tensor<?x64xf32>, tensor<?xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>

// Different row counts (the second op's rows are not the first's): two
// loops.
// CHECK-LABEL: func.func @other_bounds
// CHECK: scf.for %{{.+}} = %c0 to %c8
// CHECK: } {quantc.x86_rows}
// CHECK: scf.for %{{.+}} = %c0 to %c4
// CHECK: } {quantc.x86_rows}
func.func @other_bounds(%x: tensor<8x64xf32>, %y: tensor<4x64xf32>, %init: tensor<8xf32>) -> (tensor<8xf32>, tensor<4x64xf32>) {
  %sum = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x64xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e = tensor.empty() : tensor<4x64xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<4x64xf32>
  return %sum, %z : tensor<8xf32>, tensor<4x64xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>
#row = affine_map<(d0, d1) -> (d0)>

// A write to memory between the two ops: the first op's loop does not move
// past it.
// CHECK-LABEL: func.func @store_between
// CHECK: scf.for
// CHECK: } {quantc.x86_rows}
// CHECK: memref.store
// CHECK: scf.for
// CHECK: } {quantc.x86_rows}
func.func @store_between(%x: tensor<?x64xf32>, %init: tensor<?xf32>, %buf: memref<1xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %m = tensor.dim %x, %c0 : tensor<?x64xf32>
  %sum = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x64xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  memref.store %one, %buf[%c0] : memref<1xf32>
  %e = tensor.empty(%m) : tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %sum : tensor<?x64xf32>, tensor<?xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// A rotation stage written as [S, 2, 32], read by the next op as [S, 64]
// through a collapse_shape that keeps the token rows whole: one loop.
// CHECK-LABEL: func.func @collapse_between
// CHECK: %[[R:.+]]:2 = scf.for %[[T:.+]] = %c0 to %{{.+}} step %c1 iter_args(
// CHECK: vector.transfer_write %{{.+}}, %{{.+}}[%[[T]], %{{.+}}, %{{.+}}] {{.*}} tensor<?x2x32xf32>
// CHECK: %[[C:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : tensor<?x2x32xf32> into tensor<?x64xf32>
// CHECK: vector.transfer_read %[[C]][%[[T]], %{{.+}}]
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: scf.for
// CHECK: return %[[R]]#1
// OFF-LABEL: func.func @collapse_between
// OFF: } {quantc.x86_rows}
// OFF: tensor.collapse_shape
// OFF: } {quantc.x86_rows}
func.func @collapse_between(%x: tensor<?x2x32xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f32
  %s = tensor.dim %x, %c0 : tensor<?x2x32xf32>
  %e0 = tensor.empty(%s) : tensor<?x2x32xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<?x2x32xf32>) outs(%e0 : tensor<?x2x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %two : f32
    linalg.yield %r : f32
  } -> tensor<?x2x32xf32>
  %yc = tensor.collapse_shape %y [[0], [1, 2]] : tensor<?x2x32xf32> into tensor<?x64xf32>
  %e1 = tensor.empty(%s) : tensor<?x64xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%yc : tensor<?x64xf32>) outs(%e1 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  return %z : tensor<?x64xf32>
}
