// Before vectorizing, elementwise producers are fused into their consumers:
// one with a single use, and one of cheap arithmetic (no math functions, no
// integer division) with several uses, all linalg.generic ops, recomputed in
// each (softmax's scaled, masked scores: read by the row max and the exp).
// A producer with a math function and several uses stays (its result is
// written once and read by each consumer), and so does one that a consumer
// broadcasts (it would be recomputed along the broadcast dimensions).
// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise),canonicalize,cse)" -split-input-file -verify-diagnostics | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0, 0)>
#red = affine_map<(d0, d1) -> (d0)>

// The scaled scores (%s: sitofp, mulf, addf) are recomputed inside the row
// maximum's loop and inside the exp's loop: no [?, ?] f32 buffer for them.
// The exp's result is the only [?, ?] f32 tensor; the maximum's row loop and
// the exp's are one loop (fuse-rows), which reads the row's maximum just
// computed.
// CHECK-LABEL: func.func @softmax_head
// CHECK-NOT: tensor.empty
// CHECK: %[[EX:.+]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK-NOT: tensor.empty
// CHECK: %[[ROWS:.+]]:2 = scf.for %[[R:.+]] = %c0 to %{{.+}} step %c1 iter_args(%[[MX:.+]] = %arg2, %[[E:.+]] = %[[EX]])
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.maximumf
// CHECK: %[[M:.+]] = vector.reduction <maximumf>
// CHECK: %[[MX2:.+]] = tensor.insert %[[M]] into %[[MX]][%[[R]]]
// CHECK: tensor.extract %[[MX2]][%[[R]]]
// CHECK: scf.for
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.subf
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: scf.for
// CHECK: return %[[ROWS]]#1
func.func @softmax_head(%acc: tensor<?x?xi32>, %mask: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %acc, %c0 : tensor<?x?xi32>
  %n = tensor.dim %acc, %c1 : tensor<?x?xi32>
  %scale = arith.constant 0.125 : f32
  %e0 = tensor.empty(%m, %n) : tensor<?x?xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %mask : tensor<?x?xi32>, tensor<?x?xf32>) outs(%e0 : tensor<?x?xf32>) {
  ^bb0(%a: i32, %k: f32, %o: f32):
    %f = arith.sitofp %a : i32 to f32
    %x = arith.mulf %f, %scale : f32
    %y = arith.addf %x, %k : f32
    linalg.yield %y : f32
  } -> tensor<?x?xf32>
  %mx = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e1 = tensor.empty(%m, %n) : tensor<?x?xf32>
  %ex = linalg.generic {indexing_maps = [#id, #red, #id], iterator_types = ["parallel", "parallel"]} ins(%s, %mx : tensor<?x?xf32>, tensor<?xf32>) outs(%e1 : tensor<?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  return %ex : tensor<?x?xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#red = affine_map<(d0, d1) -> (d0)>

// The exp (a polynomial: math.floor) has two users (the row sum and the
// division): it stays, computed once.
// CHECK-LABEL: func.func @exp_kept
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: math.floor
// CHECK: vector.reduction <add>
// CHECK-NOT: math.floor
// CHECK: arith.divf
// CHECK: return
func.func @exp_kept(%x: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %n = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e0 = tensor.empty(%m, %n) : tensor<?x?xf32>
  %ex = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x?xf32>) outs(%e0 : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  %sum = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]} ins(%ex : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e1 = tensor.empty(%m, %n) : tensor<?x?xf32>
  %p = linalg.generic {indexing_maps = [#id, #red, #id], iterator_types = ["parallel", "parallel"]} ins(%ex, %sum : tensor<?x?xf32>, tensor<?xf32>) outs(%e1 : tensor<?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  return %p : tensor<?x?xf32>
}

// -----

// A vector math.exp already in the function (a GEMM kernel's fused SiLU
// epilogue, emitted by --quantc-lower-matmul-to-x86) gets the polynomial too,
// not one libm call per lane.
// CHECK-LABEL: func.func @kernel_epilogue_silu
// CHECK-NOT: math.exp
// CHECK: math.floor %{{.*}} : vector<16xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @kernel_epilogue_silu(%x: vector<16xf32>) -> vector<16xf32> {
  %one = arith.constant dense<1.0> : vector<16xf32>
  %n = arith.negf %x : vector<16xf32>
  %e = math.exp %n : vector<16xf32>
  %d = arith.addf %e, %one : vector<16xf32>
  %s = arith.divf %x, %d : vector<16xf32>
  return %s : vector<16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#vec = affine_map<(d0) -> (d0)>

// A per-column scale (`amax / 127`, 1 where amax is 0: a dynamic per-key
// scale) read by two consumers that broadcast it along their rows (the
// dequantized scores, the quantized keys) is not fused into them, though
// it is cheap arithmetic: fused, its division would run once per element of
// each consumer instead of once per column. Its own loop comes first; the
// consumers read its result.
// CHECK-LABEL: func.func @broadcast_scale_kept
// CHECK: scf.for
// CHECK: arith.cmpf oeq
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: scf.for
// CHECK-NOT: arith.cmpf
// CHECK-NOT: arith.cmpf
// CHECK: arith.sitofp
// CHECK-NOT: arith.divf
// CHECK: arith.mulf
// CHECK: } {quantc.x86_rows}
// CHECK: scf.for
// CHECK-NOT: arith.cmpf
// CHECK-NOT: arith.cmpf
// CHECK: arith.divf
// CHECK-NOT: arith.select
// CHECK: } {quantc.x86_rows}
// CHECK: return
func.func @broadcast_scale_kept(%acc: tensor<?x?xi32>, %amax: tensor<?xf32>, %x: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %qmax = arith.constant 127.0 : f32
  %m = tensor.dim %acc, %c0 : tensor<?x?xi32>
  %n = tensor.dim %acc, %c1 : tensor<?x?xi32>
  %e0 = tensor.empty(%n) : tensor<?xf32>
  %sc = linalg.generic {indexing_maps = [#vec, #vec], iterator_types = ["parallel"]} ins(%amax : tensor<?xf32>) outs(%e0 : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %z = arith.cmpf oeq, %a, %zero : f32
    %d = arith.divf %a, %qmax : f32
    %s = arith.select %z, %one, %d : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %e1 = tensor.empty(%m, %n) : tensor<?x?xf32>
  %s = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%acc, %sc : tensor<?x?xi32>, tensor<?xf32>) outs(%e1 : tensor<?x?xf32>) {
  ^bb0(%a: i32, %k: f32, %o: f32):
    %f = arith.sitofp %a : i32 to f32
    %y = arith.mulf %f, %k : f32
    linalg.yield %y : f32
  } -> tensor<?x?xf32>
  %e2 = tensor.empty(%m, %n) : tensor<?x?xf32>
  %q = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %sc : tensor<?x?xf32>, tensor<?xf32>) outs(%e2 : tensor<?x?xf32>) {
  ^bb0(%a: f32, %k: f32, %o: f32):
    %y = arith.divf %a, %k : f32
    linalg.yield %y : f32
  } -> tensor<?x?xf32>
  return %s, %q : tensor<?x?xf32>, tensor<?x?xf32>
}
