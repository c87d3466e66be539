// RUN: quantc-opt %s --quantc-smoothquant="defer-weights=true" -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-smoothquant="defer-weights=true" --quantc-quantize -split-input-file | FileCheck %s --check-prefix=Q
// RUN: quantc-opt %s --quantc-smoothquant --quantc-quantize -split-input-file | FileCheck %s --check-prefix=Q

// defer-weights: with absmax = [4, 1] and W = [[1, 0.5], [-4, 2]] (wmax =
// [1, 4]), s = [2, 0.5]; the weight stays the original constant, multiplied
// by s along its reduction dimension in a marked linalg.generic (in f32,
// truncated back for an f16 weight). --quantc-quantize applies s while it
// quantizes: W·diag(s) = [[2, 1], [-2, 1]], per-channel scales [2, 1] / 127,
// q = [[127, 127], [-127, 127]], the same with or without deferral.

// CHECK: #map = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-NEXT: #map1 = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @plain
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 5.000000e-01], [-4.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<[2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK: %[[WS:.+]] = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%[[W]], %[[S]] : tensor<2x2xf32>, tensor<2xf32>) outs(%{{.+}} : tensor<2x2xf32>) attrs = {quantc.smoothed_weight} {
// CHECK-NEXT: ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[M:.+]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-NEXT: linalg.yield %[[M]] : f32
// CHECK: linalg.matmul ins(%{{.+}}, %[[WS]] :

// Q-LABEL: func.func @plain
// Q-NOT: linalg.generic
// Q: arith.constant dense<{{\[}}[127, 127], [-127, 127]]> : tensor<2x2xi8>
// Q-NOT: linalg.generic
// Q: linalg.matmul
func.func @plain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A transposed [D, C] f16 weight: the factor is indexed by its second
// dimension; the product is taken in f32 and truncated to f16.

// CHECK: #map1 = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @transposed_f16
// CHECK: linalg.generic {indexing_maps = [#map, #map1, #map]{{.+}}attrs = {quantc.smoothed_weight}
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.truncf %{{.+}} : f32 to f16

// Q-LABEL: func.func @transposed_f16
// Q-NOT: linalg.generic
// Q: arith.constant dense<{{\[}}[127, -127], [127, 127]]> : tensor<2x2xi8>
func.func @transposed_f16(%x: tensor<3x2xf16>) -> tensor<3x2xf16> {
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf16>
  %w = arith.constant dense<[[1.0, -4.0], [0.5, 2.0]]> : tensor<2x2xf16>
  %cst = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<3x2xf16>
  %z = linalg.fill ins(%cst : f16) outs(%e : tensor<3x2xf16>) -> tensor<3x2xf16>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %w : tensor<3x2xf16>, tensor<2x2xf16>) outs(%z : tensor<3x2xf16>) -> tensor<3x2xf16>
  return %y : tensor<3x2xf16>
}

// -----

// A contraction that --quantc-quantize leaves in float (a `float` mark) gets
// its smoothed weight as a constant; one held in float (quantc.keep_float)
// keeps the pending smoothing for a later run.

// Q-LABEL: func.func @left_float
// Q: %[[C:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 1.000000e+00], [-2.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>
// Q: linalg.matmul {quantc.scheme = "float"} ins(%{{.+}}, %[[C]] :
func.func @left_float(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul {quantc.scheme = "float"} ins(%o, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
