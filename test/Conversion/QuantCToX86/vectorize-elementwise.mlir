// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise),canonicalize,cse)" -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise{lanes=8}),canonicalize,cse)" 2>/dev/null | FileCheck %s --check-prefix=AVX2

// A row reduction whose rows are not a whole number of vectors: rows one by
// one, two whole vectors into a vector accumulator that starts at -inf, the
// last 5 elements as a masked vector (out-of-bounds read, lanes kept by a
// select), one horizontal reduction into the row's output.
// CHECK-LABEL: func.func @row_max
// CHECK-DAG: %[[C5:.+]] = arith.constant 5 : index
// CHECK-DAG: %[[C32:.+]] = arith.constant 32 : index
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG: %[[NINF:.+]] = arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK: scf.for %[[I:[^ ]+]] = %{{.+}} to %[[C5]] step %{{.+}} iter_args(%[[T:.+]] = %{{.+}})
// CHECK: %[[INIT:.+]] = tensor.extract %[[T]][%[[I]]]
// CHECK: %[[ACC:.+]] = scf.for %[[J:[^ ]+]] = %{{.+}} to %[[C32]] step %[[C16]] iter_args(%[[A:.+]] = %[[NINF]])
// CHECK: %[[V:.+]] = vector.transfer_read %{{.+}}[%[[I]], %[[J]]], %{{.+}} {in_bounds = [true]} : tensor<5x37xf32>, vector<16xf32>
// CHECK: arith.maximumf %[[V]], %[[A]] : vector<16xf32>
// CHECK: %[[MASK:.+]] = vector.constant_mask [5] : vector<16xi1>
// CHECK: %[[TV:.+]] = vector.transfer_read %{{.+}}[%[[I]], %[[C32]]], %{{.+}} : tensor<5x37xf32>, vector<16xf32>
// CHECK: %[[TM:.+]] = arith.maximumf %[[TV]], %[[ACC]]
// CHECK: %[[SEL:.+]] = arith.select %[[MASK]], %[[TM]], %[[ACC]]
// CHECK: %[[R:.+]] = vector.reduction <maximumf>, %[[SEL]], %[[INIT]] fastmath<reassoc> : vector<16xf32> into f32
// CHECK: tensor.insert %[[R]] into %[[T]][%[[I]]]
// CHECK-NOT: linalg.generic
// AVX2-LABEL: func.func @row_max
// AVX2: arith.constant 32 : index
// AVX2: vector.transfer_read {{.+}} {in_bounds = [true]} : tensor<5x37xf32>, vector<8xf32>
// AVX2: vector.constant_mask [5] : vector<8xi1>
// AVX2: vector.reduction <maximumf>, %{{.+}}, %{{.+}} fastmath<reassoc> : vector<8xf32> into f32
func.func @row_max(%x: tensor<5x37xf32>, %init: tensor<5xf32>) -> tensor<5xf32> {
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<5x37xf32>) outs(%init : tensor<5xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<5xf32>
  return %m : tensor<5xf32>
}

// A row sum of squares (a norm's variance): the accumulator starts at 0.
// CHECK-LABEL: func.func @row_sum_squares
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: scf.for %{{.+}} iter_args(%{{.+}} = %[[ZERO]])
// CHECK: %[[SQ:.+]] = arith.mulf %[[V:.+]], %[[V]] : vector<16xf32>
// CHECK: arith.addf %[[SQ]], %{{.+}} : vector<16xf32>
// CHECK: vector.reduction <add>
func.func @row_sum_squares(%x: tensor<5x48xf32>, %init: tensor<5xf32>) -> tensor<5xf32> {
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<5x48xf32>) outs(%init : tensor<5xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %sq, %acc : f32
    linalg.yield %r : f32
  } -> tensor<5xf32>
  return %m : tensor<5xf32>
}

// A row sum over a dynamic extent n: groups of 4 vectors into 4
// accumulators up to n - n % 64, single vectors into the first up to
// n - n % 16, the tail under an scf.if, the accumulators added, one
// horizontal reduction.
// CHECK-LABEL: func.func @row_sum_dynamic
// CHECK-DAG: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[N:.+]] = tensor.dim %{{.+}}, %c1 : tensor<?x?xf32>
// CHECK: %[[W:.+]] = arith.muli %{{.+}}, %c16
// CHECK: scf.for
// CHECK: %[[G:.+]] = arith.muli %{{.+}}, %c64
// CHECK: %[[ACC:.+]]:4 = scf.for %{{.+}} = %c0 to %[[G]] step %c64 iter_args(%{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]])
// CHECK-COUNT-4: arith.addf %{{.+}} : vector<16xf32>
// CHECK: scf.yield
// CHECK: %[[ONE:.+]] = scf.for %{{.+}} = %[[G]] to %[[W]] step %c16 iter_args(%{{.+}} = %[[ACC]]#0)
// CHECK: %[[ANY:.+]] = arith.cmpi ult, %[[W]], %[[N]]
// CHECK: %[[TAIL:.+]] = scf.if %[[ANY]]
// CHECK: vector.create_mask
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[ONE]]
// CHECK: %[[S1:.+]] = arith.addf %[[TAIL]], %[[ACC]]#1
// CHECK: %[[S2:.+]] = arith.addf %[[S1]], %[[ACC]]#2
// CHECK: %[[S3:.+]] = arith.addf %[[S2]], %[[ACC]]#3
// CHECK: vector.reduction <add>, %[[S3]]
func.func @row_sum_dynamic(%x: tensor<?x?xf32>, %init: tensor<?xf32>) -> tensor<?xf32> {
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %m : tensor<?xf32>
}

// Rows shorter than one vector: no whole-vector loop, one masked vector.
// CHECK-LABEL: func.func @short_rows
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: vector.transfer_read %{{.+}}[%{{.+}}, %{{.+}}], %{{.+}} : tensor<4x3xf32>, vector<16xf32>
// CHECK: vector.transfer_write %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}] : vector<16xf32>, tensor<4x3xf32>
func.func @short_rows(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = arith.negf %a : f32
    linalg.yield %y : f32
  } -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// An elementwise op with a per-row broadcast operand: the row's value read
// once per row (outside the vector loop) and broadcast; exp becomes a
// polynomial (no math.exp left).
// CHECK-LABEL: func.func @sub_exp
// CHECK: scf.for %[[I:[^ ]+]] =
// CHECK: %[[M:.+]] = tensor.extract %{{.+}}[%[[I]]] : tensor<5xf32>
// CHECK: %[[MB:.+]] = vector.broadcast %[[M]] : f32 to vector<16xf32>
// CHECK: scf.for
// CHECK: arith.subf %{{.+}}, %[[MB]] : vector<16xf32>
// CHECK-NOT: math.exp
// CHECK: vector.transfer_write %{{.+}} {in_bounds = [true]} : vector<16xf32>, tensor<5x48xf32>
// CHECK-NOT: math.exp
// CHECK: return
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

// Dynamic rows and columns (exact GELU): whole vectors up to n - n % 16,
// then the tail under an scf.if; erf becomes a rational polynomial.
// CHECK-LABEL: func.func @gelu_dynamic
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG: %[[N:.+]] = tensor.dim %{{.+}}, %c1
// CHECK: %[[Q:.+]] = arith.divui %[[N]], %[[C16]]
// CHECK: %[[W:.+]] = arith.muli %[[Q]], %[[C16]]
// CHECK: scf.for %[[I:[^ ]+]] =
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[W]] step %[[C16]]
// CHECK: math.fma {{.+}} : vector<16xf32>
// CHECK: %[[ANY:.+]] = arith.cmpi ult, %[[W]], %[[N]]
// CHECK: scf.if %[[ANY]]
// CHECK: vector.transfer_read %{{.+}}[%[[I]], %[[W]]], %{{.+}} : tensor<?x?xf32>, vector<16xf32>
// CHECK: vector.transfer_write %{{.+}}, %{{.+}}[%[[I]], %[[W]]] : vector<16xf32>, tensor<?x?xf32>
// CHECK-NOT: math.erf
func.func @gelu_dynamic(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%d0, %d1) : tensor<?x?xf32>
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %rsqrt2 = arith.constant 0.70710678 : f32
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %u = arith.mulf %a, %rsqrt2 : f32
    %er = math.erf %u : f32
    %p = arith.addf %er, %one : f32
    %h = arith.mulf %a, %half : f32
    %v = arith.mulf %h, %p : f32
    linalg.yield %v : f32
  } -> tensor<?x?xf32>
  return %g : tensor<?x?xf32>
}

// A reduction along the outer dimension (column sums): vertical vector adds
// on an accumulator read from the output, in the scalar order.
// CHECK-LABEL: func.func @column_sum
// CHECK-DAG: %[[C48:.+]] = arith.constant 48 : index
// CHECK: %[[ACC0:.+]] = vector.transfer_read %[[OUT:.+]][%{{.+}}], %{{.+}} : tensor<5xf32>, vector<16xf32>
// CHECK: %[[ACC:.+]] = scf.for %[[R:[^ ]+]] = %{{.+}} to %[[C48]] step %{{.+}} iter_args(%[[A:.+]] = %[[ACC0]])
// CHECK: %[[V:.+]] = vector.transfer_read %{{.+}}[%[[R]], %{{.+}}], %{{.+}} : tensor<48x5xf32>, vector<16xf32>
// CHECK: arith.addf %[[V]], %[[A]] : vector<16xf32>
// CHECK: vector.transfer_write %[[ACC]], %[[OUT]][%{{.+}}] : vector<16xf32>, tensor<5xf32>
// CHECK-NOT: vector.reduction
func.func @column_sum(%y: tensor<48x5xf32>, %i5: tensor<5xf32>) -> tensor<5xf32> {
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]} ins(%y : tensor<48x5xf32>) outs(%i5 : tensor<5xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %v, %acc : f32
    linalg.yield %r : f32
  } -> tensor<5xf32>
  return %b : tensor<5xf32>
}

// linalg.index along the innermost loop: the vector's first index + a step.
// CHECK-LABEL: func.func @iota
// CHECK: scf.for %[[J:[^ ]+]] =
// CHECK-DAG: %[[B:.+]] = vector.broadcast %[[J]] : index to vector<16xindex>
// CHECK-DAG: %[[STEP:.+]] = vector.step : vector<16xindex>
// CHECK: arith.addi %[[B]], %[[STEP]] : vector<16xindex>
// CHECK: arith.index_cast %{{.+}} : vector<16xindex> to vector<16xi32>
func.func @iota(%o: tensor<64xi32>) -> tensor<64xi32> {
  %r = linalg.generic {indexing_maps = [affine_map<(j) -> (j)>], iterator_types = ["parallel"]} outs(%o : tensor<64xi32>) {
  ^bb0(%x: i32):
    %j = linalg.index 0 : index
    %v = arith.index_cast %j : index to i32
    linalg.yield %v : i32
  } -> tensor<64xi32>
  return %r : tensor<64xi32>
}

// Named ops taken as generics: linalg.exp, linalg.add, linalg.map and a
// full linalg.reduce (rows and columns: the accumulators carried over the
// rows, one horizontal reduction into the rank-0 result).
// CHECK-LABEL: func.func @named
// CHECK-NOT: linalg.
// CHECK: vector.transfer_write %{{.+}} : vector<16xf32>, tensor<4x37xf32>
// CHECK: arith.addf %{{.+}} : vector<16xf32>
// CHECK: %[[INIT:.+]] = tensor.extract %{{.+}}[] : tensor<f32>
// CHECK: scf.for {{.+}} -> (vector<16xf32>)
// CHECK: arith.maximumf %{{.+}} : vector<16xf32>
// CHECK: %[[R:.+]] = vector.reduction <maximumf>, %{{.+}}, %[[INIT]]
// CHECK: tensor.insert %[[R]] into %{{.+}}[] : tensor<f32>
// CHECK-NOT: math.tanh
// CHECK-NOT: linalg.
// CHECK: return
func.func @named(%x: tensor<4x37xf32>, %y: tensor<4x37xf32>, %acc: tensor<f32>) -> (tensor<4x37xf32>, tensor<4x37xf32>, tensor<f32>, tensor<4x37xf32>) {
  %e = tensor.empty() : tensor<4x37xf32>
  %a = linalg.exp ins(%x : tensor<4x37xf32>) outs(%e : tensor<4x37xf32>) -> tensor<4x37xf32>
  %b = linalg.add ins(%x, %y : tensor<4x37xf32>, tensor<4x37xf32>) outs(%e : tensor<4x37xf32>) -> tensor<4x37xf32>
  %r = linalg.reduce ins(%x : tensor<4x37xf32>) outs(%acc : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %init: f32) {
      %m = arith.maximumf %in, %init : f32
      linalg.yield %m : f32
    }
  %c = linalg.map ins(%x : tensor<4x37xf32>) outs(%e : tensor<4x37xf32>)
    (%in: f32, %o: f32) {
      %t = math.tanh %in : f32
      linalg.yield %t : f32
    }
  return %a, %b, %r, %c : tensor<4x37xf32>, tensor<4x37xf32>, tensor<f32>, tensor<4x37xf32>
}

// An integer division: in the masked tail the lanes past the row divide by
// 1 (the padding's divisor 0 would trap once LLVM splits the division).
// CHECK-LABEL: func.func @int_division
// CHECK-DAG: %[[ONE:.+]] = arith.constant dense<1> : vector<16xi32>
// CHECK: arith.divsi %{{.+}}, %{{.+}} : vector<16xi32>
// CHECK: %[[MASK:.+]] = vector.constant_mask [4] : vector<16xi1>
// CHECK: vector.transfer_read %arg0[%{{.+}}, %c16]
// CHECK: %[[D:.+]] = vector.transfer_read %arg1[%{{.+}}, %c16], %{{.+}} : tensor<3x20xi32>, vector<16xi32>
// CHECK: %[[SAFE:.+]] = arith.select %[[MASK]], %[[D]], %[[ONE]]
// CHECK: arith.divsi %{{.+}}, %[[SAFE]] : vector<16xi32>
func.func @int_division(%x: tensor<3x20xi32>, %y: tensor<3x20xi32>) -> tensor<3x20xi32> {
  %e = tensor.empty() : tensor<3x20xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<3x20xi32>, tensor<3x20xi32>) outs(%e : tensor<3x20xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %q = arith.divsi %a, %b : i32
    linalg.yield %q : i32
  } -> tensor<3x20xi32>
  return %r : tensor<3x20xi32>
}

// Left as they are, each with a remark: two results, a transposed read of
// the innermost loop, a body the vectorizer does not take (a call), a
// reduction without a vector form.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.for
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.
func.func @left_alone(%x: tensor<5x37xf32>, %y: tensor<37x5xf32>, %i5: tensor<5xf32>, %w: tensor<5x48xf32>) -> (tensor<5x37xf32>, tensor<5x37xf32>, tensor<5x37xf32>, tensor<5x48xf32>, tensor<5xf32>) {
  %e = tensor.empty() : tensor<5x37xf32>
  // expected-remark @+1 {{runs as scalar loops, not on 16-lane vectors: it has 2 results}}
  %a:2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<5x37xf32>) outs(%e, %e : tensor<5x37xf32>, tensor<5x37xf32>) {
  ^bb0(%v: f32, %o: f32, %p: f32):
    %r = math.exp %v : f32
    linalg.yield %r, %v : f32, f32
  } -> (tensor<5x37xf32>, tensor<5x37xf32>)
  // expected-remark @+1 {{runs as scalar loops, not on 16-lane vectors: operand #0 reads the innermost loop along a dimension that is not its innermost (a transpose)}}
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<37x5xf32>) outs(%e : tensor<5x37xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<5x37xf32>
  // expected-remark @+1 {{runs as scalar loops, not on 16-lane vectors: its body has func.call, which has no vector form here}}
  %d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%w : tensor<5x48xf32>) {
  ^bb0(%o: f32):
    %v = func.call @opaque(%o) : (f32) -> f32
    linalg.yield %v : f32
  } -> tensor<5x48xf32>
  // expected-remark @+1 {{runs as scalar loops, not on 16-lane vectors: its reduction by arith.divf has no vector reduction}}
  %f = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<5x37xf32>) outs(%i5 : tensor<5xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.divf %acc, %v : f32
    linalg.yield %r : f32
  } -> tensor<5xf32>
  return %a#0, %a#1, %b, %d, %f : tensor<5x37xf32>, tensor<5x37xf32>, tensor<5x37xf32>, tensor<5x48xf32>, tensor<5xf32>
}
func.func private @opaque(f32) -> f32

// Elements narrower than a byte (i4 weights, i1 masks) are stored one per
// byte; a vector of them would be read bit-packed. Left to the scalar loops,
// with a remark.
// CHECK-LABEL: func.func @sub_byte
// CHECK-NOT: vector.
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: vector.
func.func @sub_byte(%q: tensor<2x32xi4>, %m: tensor<2x32xi1>, %x: tensor<2x32xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>) {
  %e = tensor.empty() : tensor<2x32xf32>
  %z = arith.constant 0.0 : f32
  // expected-remark @+1 {{runs as scalar loops, not on 16-lane vectors: operand #0 has 4-bit elements, stored one per byte (a vector of them would be read packed)}}
  %d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%q : tensor<2x32xi4>) outs(%e : tensor<2x32xf32>) {
  ^bb0(%v: i4, %o: f32):
    %f = arith.sitofp %v : i4 to f32
    linalg.yield %f : f32
  } -> tensor<2x32xf32>
  // expected-remark @+1 {{runs as scalar loops, not on 16-lane vectors: operand #0 has 1-bit elements, stored one per byte (a vector of them would be read packed)}}
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%m, %x : tensor<2x32xi1>, tensor<2x32xf32>) outs(%e : tensor<2x32xf32>) {
  ^bb0(%b: i1, %v: f32, %o: f32):
    %r = arith.select %b, %v, %z : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  return %d, %s : tensor<2x32xf32>, tensor<2x32xf32>
}
