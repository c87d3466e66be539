// An im2col gather (--quantc-conv-to-gemm's one linalg.generic per
// convolution) reads its input at the window position o * stride +
// w * dilation: each such index is computed once per point of the outer
// loops, and the innermost loop (the channels) is read and written in whole
// vectors with a masked tail. The outermost loop (the image) is a row loop
// for the thread team. Maps the emitter cannot read in vectors keep the
// scalar loops, with a remark naming why.
// RUN: quantc-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise),canonicalize,cse)" -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @im2col
// CHECK-SAME: (%[[X:.+]]: tensor<2x9x8x20xi8>)
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK: scf.for %[[N:.+]] = %c0 to %c2 step %c1
// CHECK: scf.for %[[OH:.+]] = %c0 to %c3
// CHECK: scf.for %[[OW:.+]] = %c0 to %c3
// CHECK: scf.for %[[KH:.+]] = %c0 to %c3
// CHECK: scf.for %[[KW:.+]] = %c0 to %c2
// CHECK-DAG: %[[OH2:.+]] = arith.muli %[[OH]], %[[C2]]
// CHECK-DAG: %[[KH2:.+]] = arith.muli %[[KH]], %[[C2]]
// CHECK-DAG: %[[H:.+]] = arith.addi %[[OH2]], %[[KH2]]
// CHECK-DAG: %[[OW3:.+]] = arith.muli %[[OW]], %[[C3]]
// CHECK-DAG: %[[W:.+]] = arith.addi %[[OW3]], %[[KW]]
// CHECK: %[[V:.+]] = vector.transfer_read %[[X]][%[[N]], %[[H]], %[[W]], %c0], %{{.+}} {in_bounds = [true]} : tensor<2x9x8x20xi8>, vector<16xi8>
// CHECK: vector.transfer_write %[[V]], %{{.+}}[%[[N]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %c0] {in_bounds = [true]}
// CHECK: %[[T:.+]] = vector.transfer_read %[[X]][%[[N]], %[[H]], %[[W]], %c16], %{{.+}} : tensor<2x9x8x20xi8>, vector<16xi8>
// CHECK: vector.transfer_write %[[T]], %{{.+}}[%[[N]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %c16] : vector<16xi8>
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: linalg.generic
func.func @im2col(%x: tensor<2x9x8x20xi8>) -> tensor<2x3x3x3x2x20xi8> {
  %e = tensor.empty() : tensor<2x3x3x3x2x20xi8>
  %g = linalg.generic {
      indexing_maps = [affine_map<(n, oh, ow, kh, kw, c) -> (n, oh * 2 + kh * 2, ow * 3 + kw, c)>,
                       affine_map<(n, oh, ow, kh, kw, c) -> (n, oh, ow, kh, kw, c)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x9x8x20xi8>) outs(%e : tensor<2x3x3x3x2x20xi8>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  } -> tensor<2x3x3x3x2x20xi8>
  return %g : tensor<2x3x3x3x2x20xi8>
}

// -----

// NCHW (K ordered (C, KH, KW)): the innermost loop is the window's column,
// read at ow * 2 + kw along the input's innermost dimension.
// CHECK-LABEL: func.func @im2col_nchw
// CHECK: scf.for %[[OH:.+]] = %c0 to %c3
// CHECK: scf.for %[[OW:.+]] = %c0 to %c3
// CHECK: scf.for %[[C:.+]] = %c0 to %c2
// CHECK: scf.for %[[KH:.+]] = %c0 to %c3
// CHECK: %[[OH2:.+]] = arith.muli %[[OH]], %c2
// CHECK: %[[H:.+]] = arith.addi %[[OH2]], %[[KH]]
// CHECK: %[[W:.+]] = arith.muli %[[OW]], %c2
// CHECK: %[[V:.+]] = vector.transfer_read %arg0[%c0, %[[C]], %[[H]], %[[W]]], %{{.+}} : tensor<1x2x7x7xf32>, vector<16xf32>
// CHECK: vector.transfer_write %[[V]], %{{.+}}[%c0, %[[OH]], %[[OW]], %[[C]], %[[KH]], %c0] : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @im2col_nchw(%x: tensor<1x2x7x7xf32>) -> tensor<1x3x3x2x3x3xf32> {
  %e = tensor.empty() : tensor<1x3x3x2x3x3xf32>
  %g = linalg.generic {
      indexing_maps = [affine_map<(n, oh, ow, c, kh, kw) -> (n, c, oh * 2 + kh, ow * 2 + kw)>,
                       affine_map<(n, oh, ow, c, kh, kw) -> (n, oh, ow, c, kh, kw)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x2x7x7xf32>) outs(%e : tensor<1x3x3x2x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x3x3x2x3x3xf32>
  return %g : tensor<1x3x3x2x3x3xf32>
}

// -----

// A dilated window column as the innermost loop: lanes would be 2 apart.
// CHECK-LABEL: func.func @strided_inner
// CHECK: linalg.generic
func.func @strided_inner(%x: tensor<1x3x2x7xf32>) -> tensor<1x3x3x2x3xf32> {
  %e = tensor.empty() : tensor<1x3x3x2x3xf32>
  // expected-remark @below {{runs as scalar loops, not on 16-lane vectors: operand #0 reads its innermost dimension with a stride along the innermost loop}}
  %g = linalg.generic {
      indexing_maps = [affine_map<(n, oh, ow, c, kw) -> (n, oh, c, ow + kw * 2)>,
                       affine_map<(n, oh, ow, c, kw) -> (n, oh, ow, c, kw)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x3x2x7xf32>) outs(%e : tensor<1x3x3x2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x3x3x2x3xf32>
  return %g : tensor<1x3x3x2x3xf32>
}

// -----

// The innermost loop inside an index that is not the operand's innermost.
// CHECK-LABEL: func.func @inner_in_outer_index
// CHECK: linalg.generic
func.func @inner_in_outer_index(%x: tensor<8x4xf32>) -> tensor<2x4x4xf32> {
  %e = tensor.empty() : tensor<2x4x4xf32>
  // expected-remark @below {{runs as scalar loops, not on 16-lane vectors: operand #0 reads the innermost loop along a dimension that is not its innermost (a transpose)}}
  %g = linalg.generic {
      indexing_maps = [affine_map<(a, b, c) -> (a * 4 + c, b)>,
                       affine_map<(a, b, c) -> (a, b, c)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<8x4xf32>) outs(%e : tensor<2x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x4x4xf32>
  return %g : tensor<2x4x4xf32>
}

// -----

// The row (outermost loop) read through a computed index as well (a row
// of a sliding window): still the row loop; --quantc-x86-outline-rows runs
// it on the team only if the loop writes no buffer it reads so.
// CHECK-LABEL: func.func @row_read_twice
// CHECK: scf.for
// CHECK: } {quantc.x86_rows}
// CHECK-NEXT: return
func.func @row_read_twice(%x: tensor<4x8x16xf32>) -> tensor<4x4x16xf32> {
  %e = tensor.empty() : tensor<4x4x16xf32>
  %g = linalg.generic {
      indexing_maps = [affine_map<(a, b, c) -> (a, a + b, c)>,
                       affine_map<(a, b, c) -> (a, b, c)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x8x16xf32>) outs(%e : tensor<4x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x4x16xf32>
  return %g : tensor<4x4x16xf32>
}

// -----

// The row read at another position of the input than it is written
// (a transpose of the rows): not the row loop.
// CHECK-LABEL: func.func @row_transposed
// CHECK-NOT: quantc.x86_rows
// CHECK: return
func.func @row_transposed(%x: tensor<4x4x16xf32>) -> tensor<4x4x16xf32> {
  %e = tensor.empty() : tensor<4x4x16xf32>
  %g = linalg.generic {
      indexing_maps = [affine_map<(a, b, c) -> (b, a, c)>,
                       affine_map<(a, b, c) -> (a, b, c)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x4x16xf32>) outs(%e : tensor<4x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x4x16xf32>
  return %g : tensor<4x4x16xf32>
}

// -----

// A leading dimension of extent 1 (one image, [1, H, W, C]) is not the row
// loop: the next parallel loop is (the canonicalizer drops the 1-trip loop
// around it).
// CHECK-LABEL: func.func @single_image
// CHECK: scf.for %{{.+}} = %c0 to %c8 step %c1
// CHECK: } {quantc.x86_rows}
// CHECK-NEXT: return
func.func @single_image(%x: tensor<1x8x4x32xf32>) -> tensor<1x8x4x32xf32> {
  %e = tensor.empty() : tensor<1x8x4x32xf32>
  %g = linalg.generic {
      indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>,
                       affine_map<(n, h, w, c) -> (n, h, w, c)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x4x32xf32>) outs(%e : tensor<1x8x4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x32xf32>
  return %g : tensor<1x8x4x32xf32>
}

// -----

// A division in an index (the emitter computes only sums of multiples).
// CHECK-LABEL: func.func @division_index
// CHECK: linalg.generic
func.func @division_index(%x: tensor<4x16xf32>) -> tensor<8x16xf32> {
  %e = tensor.empty() : tensor<8x16xf32>
  // expected-remark @below {{runs as scalar loops, not on 16-lane vectors: operand #0 reads an index that is not a sum of multiples of the loops}}
  %g = linalg.generic {
      indexing_maps = [affine_map<(a, c) -> (a floordiv 2, c)>,
                       affine_map<(a, c) -> (a, c)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x16xf32>
  return %g : tensor<8x16xf32>
}

// -----

// Two ops on one image ([1, 8, 32]): the row loops (over the 8 rows) are
// siblings and fuse into one.
// CHECK-LABEL: func.func @single_image_chain
// CHECK: scf.for %{{.+}} = %c0 to %c8 step %c1
// CHECK: math.
// CHECK: } {quantc.x86_rows}
// CHECK-NOT: scf.for
// CHECK: return
func.func @single_image_chain(%x: tensor<1x8x32xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>) {
  %e = tensor.empty() : tensor<1x8x32xf32>
  %a = linalg.generic {
      indexing_maps = [affine_map<(n, h, c) -> (n, h, c)>, affine_map<(n, h, c) -> (n, h, c)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x32xf32>) outs(%e : tensor<1x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.exp %in : f32
    linalg.yield %m : f32
  } -> tensor<1x8x32xf32>
  %e2 = tensor.empty() : tensor<1x8x32xf32>
  %b = linalg.generic {
      indexing_maps = [affine_map<(n, h, c) -> (n, h, c)>, affine_map<(n, h, c) -> (n, h, c)>, affine_map<(n, h, c) -> (n, h, c)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%a, %x : tensor<1x8x32xf32>, tensor<1x8x32xf32>) outs(%e2 : tensor<1x8x32xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %m = arith.mulf %in, %in2 : f32
    linalg.yield %m : f32
  } -> tensor<1x8x32xf32>
  return %a, %b : tensor<1x8x32xf32>, tensor<1x8x32xf32>
}
