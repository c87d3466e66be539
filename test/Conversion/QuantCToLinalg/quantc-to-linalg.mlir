// RUN: quantc-opt %s --convert-quantc-to-linalg -split-input-file | FileCheck %s

// Per-token scale: dim 1 of the scale reads index 0; round half to even,
// NaN to the zero point, clamp in float (saturate), then fptosi.
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$TOK:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @quantize_per_token
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x8xi8>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$TOK]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<4x8xf32>, tensor<4x1xf32>) outs(%[[E]] : tensor<4x8xi8>)
// CHECK: ^bb0(%[[IN:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: i8):
// CHECK:   %[[DIV:.+]] = arith.divf %[[IN]], %[[S]] : f32
// CHECK:   %[[R:.+]] = math.roundeven %[[DIV]] : f32
// CHECK:   %[[NAN:.+]] = arith.cmpf uno, %[[R]], %[[R]] : f32
// CHECK:   %[[SEL:.+]] = arith.select %[[NAN]], %{{.+}}, %[[R]] : f32
// CHECK:   %[[LO:.+]] = arith.maxnumf %[[SEL]], %{{.+}} : f32
// CHECK:   %[[HI:.+]] = arith.minnumf %[[LO]], %{{.+}} : f32
// CHECK:   %[[I:.+]] = arith.fptosi %[[HI]] : f32 to i8
// CHECK:   linalg.yield %[[I]] : i8
// CHECK-NOT: quantc.
func.func @quantize_per_token(%x: tensor<4x8xf32>, %s: tensor<4x1xf32>) -> tensor<4x8xi8> {
  %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
  return %q : tensor<4x8xi8>
}

// -----

// Block scales: a block of 4 channels shares one scale: d1 floordiv 4.
// CHECK-DAG: #[[$BLK:.+]] = affine_map<(d0, d1) -> (0, d1 floordiv 4)>
// CHECK-LABEL: func.func @dequantize_block
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$BLK]], #{{.+}}]
// CHECK: %[[F:.+]] = arith.sitofp %{{.+}} : i8 to f32
// CHECK: arith.mulf %[[F]], %{{.+}} : f32
func.func @dequantize_block(%q: tensor<4x8xi8>, %s: tensor<1x2xf32>) -> tensor<4x8xf32> {
  %x = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<1x2xf32> -> tensor<4x8xf32>
  return %x : tensor<4x8xf32>
}

// -----

// Zero points are subtracted in i64 (q - zp of i32 storage does not fit
// i32) before the conversion to float.
// CHECK-LABEL: func.func @dequantize_zp
// CHECK: ^bb0(%[[Q:.+]]: i8, %[[S:.+]]: f32, %[[Z:.+]]: i32, %{{.+}}: f32):
// CHECK:   %[[QE:.+]] = arith.extsi %[[Q]] : i8 to i64
// CHECK:   %[[ZE:.+]] = arith.extsi %[[Z]] : i32 to i64
// CHECK:   %[[D:.+]] = arith.subi %[[QE]], %[[ZE]] : i64
// CHECK:   arith.sitofp %[[D]] : i64 to f32
func.func @dequantize_zp(%q: tensor<4xi8>, %s: tensor<1xf32>, %z: tensor<1xi32>) -> tensor<4xf32> {
  %x = quantc.dequantize %q, %s zero_point %z : tensor<4xi8>, tensor<1xf32>, tensor<1xi32> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

// CHECK-DAG: #[[$IN:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$OUT:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// An all-zero row gets scale 1; a quotient that underflows to 0 the type's
// smallest positive value (f32: 1.4e-45, f16: 2^-24).
// CHECK-LABEL: func.func @compute_scale
// CHECK: %[[TINY:.+]] = arith.constant 1.401300e-45 : f32
// CHECK: %[[FILL:.+]] = linalg.fill
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK:   math.absf
// CHECK:   arith.maxnumf
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[MAX]]
// CHECK:   %[[Z:.+]] = arith.cmpf oeq
// CHECK:   %[[D:.+]] = arith.divf
// CHECK:   %[[U:.+]] = arith.cmpf oeq, %[[D]]
// CHECK:   %[[S:.+]] = arith.select %[[U]], %[[TINY]], %[[D]]
// CHECK:   arith.select %[[Z]], %{{.+}}, %[[S]]
// CHECK-LABEL: func.func @compute_scale_f16
// CHECK: arith.constant 5.960460e-08 : f16
// CHECK: arith.constant 1.270000e+02 : f16
func.func @compute_scale(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}
func.func @compute_scale_f16(%x: tensor<4x8xf16>) -> tensor<4x1xf16> {
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf16> -> tensor<4x1xf16>
  return %s : tensor<4x1xf16>
}

// -----

// The weight is [D, C]: the reduction runs over the last dim of both.
// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @batch_matmul
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK:   arith.extsi %{{.+}} : i8 to i32
// CHECK:   arith.extsi %{{.+}} : i8 to i32
// CHECK:   arith.muli
// CHECK:   arith.addi
func.func @batch_matmul(%x: tensor<2x4x8xi8>, %w: tensor<2x16x8xi8>) -> tensor<2x4x16xi32> {
  %acc = quantc.matmul %x, %w : tensor<2x4x8xi8>, tensor<2x16x8xi8> -> tensor<2x4x16xi32>
  return %acc : tensor<2x4x16xi32>
}

// -----

// Layouts are read through the maps: a [C, N] lhs, a [C, D] rhs broadcast
// over the batch (no batch dimension in its map), and a dynamic N taken from
// the lhs's row dimension (2: [B, C, N]).
// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_layouts
// CHECK: %[[N:.+]] = tensor.dim %{{.+}}, %c2
// CHECK: tensor.empty(%[[N]]) : tensor<2x?x16xi32>
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @matmul_layouts(%x: tensor<2x8x?xi8>, %w: tensor<8x16xi8>) -> tensor<2x?x16xi32> {
  %acc = quantc.matmul %x, %w {transpose_lhs, transpose_rhs} : tensor<2x8x?xi8>, tensor<8x16xi8> -> tensor<2x?x16xi32>
  return %acc : tensor<2x?x16xi32>
}

// -----

// CHECK-LABEL: func.func @rescale_requant
// CHECK: ^bb0(%[[ACC:.+]]: i32, %[[XS:.+]]: f32, %[[WS:.+]]: f32, %[[B:.+]]: f32, %[[OS:.+]]: f32, %{{.+}}: i8):
// CHECK:   %[[F:.+]] = arith.sitofp %[[ACC]] : i32 to f32
// CHECK:   %[[M1:.+]] = arith.mulf %[[F]], %[[XS]]
// CHECK:   %[[M2:.+]] = arith.mulf %[[M1]], %[[WS]]
// CHECK:   %[[AB:.+]] = arith.addf %[[M2]], %[[B]]
// CHECK:   %[[RELU:.+]] = arith.maximumf %[[AB]], %{{.+}}
// CHECK:   arith.divf %[[RELU]], %[[OS]]
// CHECK:   math.roundeven
// CHECK:   arith.fptosi %{{.+}} : f32 to i8
func.func @rescale_requant(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>,
                           %b: tensor<1x16xf32>, %os: tensor<1x1xf32>) -> tensor<4x16xi8> {
  %y = quantc.rescale %a, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<relu>}
      : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x1xf32>) -> tensor<4x16xi8>
  return %y : tensor<4x16xi8>
}

// -----

// CHECK-LABEL: func.func @smooth_observe
// CHECK-SAME: (%[[X:.+]]: tensor<4x2xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]], %{{.+}} : tensor<4x2xf32>, tensor<1x2xf32>)
// CHECK: arith.divf
// CHECK-NOT: quantc.observe
func.func @smooth_observe(%x: tensor<4x2xf32>, %s: tensor<1x2xf32>) -> tensor<4x2xf32> {
  %o = quantc.observe %x {absmax = dense<[1.0, 80.0]> : tensor<2xf32>} : tensor<4x2xf32>
  %y = quantc.smooth %o, %s : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Dynamic token count: the empty tensor takes its size from the input.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[D:.+]] = tensor.dim %{{.+}}, %[[C0]] : tensor<?x8xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<?x8xi8>
func.func @dynamic(%x: tensor<?x8xf32>, %s: tensor<?x1xf32>) -> tensor<?x8xi8> {
  %q = quantc.quantize %x, %s : tensor<?x8xf32>, tensor<?x1xf32> -> tensor<?x8xi8>
  return %q : tensor<?x8xi8>
}

// -----

// Zero points: the reference sums (x - zx) * (w - zw), each zero point read
// at the result's indices of the loops (batch, n, d, c).
// CHECK-DAG: #[[$X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$W:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[$ZX:.+]] = affine_map<(d0, d1, d2, d3) -> (0, d1, 0)>
// CHECK-DAG: #[[$ZW:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2)>
// CHECK-DAG: #[[$O:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_zero_points
// CHECK: linalg.generic {indexing_maps = [#[[$X]], #[[$W]], #[[$ZX]], #[[$ZW]], #[[$O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1, %arg2, %arg3 : tensor<2x4x8xi8>, tensor<2x16x8xi8>, tensor<1x4x1xi32>, tensor<2x1x16xi32>)
// CHECK: ^bb0(%[[A:.+]]: i8, %[[B:.+]]: i8, %[[ZA:.+]]: i32, %[[ZB:.+]]: i32, %[[C:.+]]: i32):
// CHECK:   %[[EA:.+]] = arith.extsi %[[A]] : i8 to i32
// CHECK:   %[[EB:.+]] = arith.extsi %[[B]] : i8 to i32
// CHECK:   %[[SA:.+]] = arith.subi %[[EA]], %[[ZA]] : i32
// CHECK:   %[[SB:.+]] = arith.subi %[[EB]], %[[ZB]] : i32
// CHECK:   %[[P:.+]] = arith.muli %[[SA]], %[[SB]] : i32
// CHECK:   arith.addi %[[C]], %[[P]] : i32
func.func @matmul_zero_points(%x: tensor<2x4x8xi8>, %w: tensor<2x16x8xi8>, %zx: tensor<1x4x1xi32>, %zw: tensor<2x1x16xi32>) -> tensor<2x4x16xi32> {
  %acc = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x4x1xi32>) rhs_zero_point(%zw : tensor<2x1x16xi32>) : tensor<2x4x8xi8>, tensor<2x16x8xi8> -> tensor<2x4x16xi32>
  return %acc : tensor<2x4x16xi32>
}
