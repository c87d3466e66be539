// RUN: quantc-opt %s --quantc-fuse -split-input-file | FileCheck %s

// Transposed-B form: per-token x scale [N,1], per-channel w scale [D,1]
// reshaped to the epilogue's [1,D].
// CHECK-LABEL: func.func @qdq_transposed
// CHECK-SAME: (%[[XQ:.+]]: tensor<4x16xi8>, %[[XS:.+]]: tensor<4x1xf32>, %[[WQ:.+]]: tensor<32x16xi8>, %[[WS:.+]]: tensor<32x1xf32>)
// CHECK: %[[ACC:.+]] = quantc.matmul %[[XQ]], %[[WQ]] : tensor<4x16xi8>, tensor<32x16xi8> -> tensor<4x32xi32>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[WS]] {{\[}}[0, 1]] : tensor<32x1xf32> into tensor<32xf32>
// CHECK: %[[WSR:.+]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [1, 32] : tensor<32xf32> into tensor<1x32xf32>
// CHECK: %[[Y:.+]] = quantc.rescale %[[ACC]], %[[XS]], %[[WSR]] : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
// CHECK: return %[[Y]]
// CHECK-NOT: linalg.matmul
func.func @qdq_transposed(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>) -> tensor<4x32xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Plain form: W is [C, D]; a constant weight is transposed at compile time,
// its per-channel scale [1, D] is already the epilogue's shape.
// CHECK-LABEL: func.func @qdq_plain_constant
// CHECK: %[[WT:.+]] = arith.constant dense<{{\[}}[1, 3, 5], [2, 4, 6]]> : tensor<2x3xi8>
// CHECK: quantc.matmul %{{.+}}, %[[WT]] : tensor<4x3xi8>, tensor<2x3xi8> -> tensor<4x2xi32>
// CHECK: quantc.rescale %{{.+}}, %{{.+}}, %{{.+}} : (tensor<4x2xi32>, tensor<1x1xf32>, tensor<1x2xf32>) -> tensor<4x2xf32>
func.func @qdq_plain_constant(%xq: tensor<4x3xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x2xf32>) -> tensor<4x2xf32> {
  %wq = arith.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi8>
  %x = quantc.dequantize %xq, %xs : tensor<4x3xi8>, tensor<1x1xf32> -> tensor<4x3xf32>
  %w = quantc.dequantize %wq, %ws : tensor<3x2xi8>, tensor<1x2xf32> -> tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Plain form with a weight computed at run time: read as it lies
// (transpose_rhs), no transpose materialized.
// CHECK-LABEL: func.func @qdq_plain_dynamic
// CHECK-SAME: %[[WQ:[^:]+]]: tensor<3x2xi8>
// CHECK-NOT: linalg.transpose
// CHECK: quantc.matmul %{{.+}}, %[[WQ]] {transpose_rhs} : tensor<4x3xi8>, tensor<3x2xi8> -> tensor<4x2xi32>
func.func @qdq_plain_dynamic(%xq: tensor<4x3xi8>, %xs: tensor<1x1xf32>, %wq: tensor<3x2xi8>, %ws: tensor<1x1xf32>) -> tensor<4x2xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x3xi8>, tensor<1x1xf32> -> tensor<4x3xf32>
  %w = quantc.dequantize %wq, %ws : tensor<3x2xi8>, tensor<1x1xf32> -> tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Batch matmul: [b, C, D] weights are read as they lie (transpose_rhs).
// CHECK-LABEL: func.func @qdq_batch
// CHECK-NOT: linalg.transpose
// CHECK: quantc.matmul %{{.+}}, %{{.+}} {transpose_rhs} : tensor<2x4x3xi8>, tensor<2x3x5xi8> -> tensor<2x4x5xi32>
// CHECK: quantc.rescale {{.+}} : (tensor<2x4x5xi32>, tensor<2x4x1xf32>, tensor<1x1x5xf32>) -> tensor<2x4x5xf32>
func.func @qdq_batch(%xq: tensor<2x4x3xi8>, %xs: tensor<2x4x1xf32>, %wq: tensor<2x3x5xi8>, %ws: tensor<1x1x5xf32>) -> tensor<2x4x5xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<2x4x3xi8>, tensor<2x4x1xf32> -> tensor<2x4x3xf32>
  %w = quantc.dequantize %wq, %ws : tensor<2x3x5xi8>, tensor<1x1x5xf32> -> tensor<2x3x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x3xf32>, tensor<2x3x5xf32>) outs(%init : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  return %y : tensor<2x4x5xf32>
}

// -----

// Two linear layers with bias + ReLU between and a static scale on the
// intermediate: int8 flows, no float tensor of the intermediate's shape.
// CHECK-LABEL: func.func @two_layers
// CHECK-NOT: tensor<4x32xf32>
// CHECK: %[[A1:.+]] = quantc.matmul %{{.+}}, %{{.+}} : tensor<4x16xi8>, tensor<32x16xi8> -> tensor<4x32xi32>
// CHECK: %[[H:.+]] = quantc.rescale %[[A1]], %{{.+}}, %{{.+}} bias %{{.+}} output_scale %{{.+}} {activation = #quantc.activation<relu>, qmax = 127 : i64, qmin = -127 : i64}
// CHECK-SAME: -> tensor<4x32xi8>
// CHECK-NOT: tensor<4x32xf32>
// CHECK: %[[A2:.+]] = quantc.matmul %[[H]], %{{.+}} : tensor<4x32xi8>, tensor<8x32xi8> -> tensor<4x8xi32>
// CHECK: quantc.rescale %[[A2]]
// CHECK-NOT: linalg.matmul
// CHECK-NOT: tensor<4x32xf32>
func.func @two_layers(%xq: tensor<4x16xi8>, %w1q: tensor<32x16xi8>, %w2q: tensor<8x32xi8>, %b1: tensor<32xf32>) -> tensor<4x8xf32> {
  %s = arith.constant dense<0.05> : tensor<1x1xf32>
  %ws1 = arith.constant dense<0.01> : tensor<32x1xf32>
  %ws2 = arith.constant dense<0.02> : tensor<8x1xf32>
  %zero = arith.constant 0.0 : f32
  %x = quantc.dequantize %xq, %s : tensor<4x16xi8>, tensor<1x1xf32> -> tensor<4x16xf32>
  %w1 = quantc.dequantize %w1q, %ws1 : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %e1 = tensor.empty() : tensor<4x32xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w1 : tensor<4x16xf32>, tensor<32x16xf32>) outs(%i1 : tensor<4x32xf32>) -> tensor<4x32xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y1, %b1 : tensor<4x32xf32>, tensor<32xf32>) outs(%e1 : tensor<4x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    %r = arith.maximumf %t, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x32xf32>
  %hq = quantc.quantize %h, %s : tensor<4x32xf32>, tensor<1x1xf32> -> tensor<4x32xi8>
  %hd = quantc.dequantize %hq, %s : tensor<4x32xi8>, tensor<1x1xf32> -> tensor<4x32xf32>
  %w2 = quantc.dequantize %w2q, %ws2 : tensor<8x32xi8>, tensor<8x1xf32> -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%hd, %w2 : tensor<4x32xf32>, tensor<8x32xf32>) outs(%i2 : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y2 : tensor<4x8xf32>
}

// -----

// dq -> q with the same scale folds to the integer value (its range fits).
// CHECK-LABEL: func.func @dq_q_same
// CHECK-SAME: (%[[Q:.+]]: tensor<4x8xi8>
// CHECK-NEXT: return %[[Q]]
func.func @dq_q_same(%q: tensor<4x8xi8>, %s: tensor<1x1xf32>) -> tensor<4x8xi8> {
  %d = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<1x1xf32> -> tensor<4x8xf32>
  %r = quantc.quantize %d, %s {qmin = -128 : i64} : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi8>
  return %r : tensor<4x8xi8>
}

// -----

// An i8 argument may hold -128, which the narrow range [-127, 127] clamps:
// not an identity, so it becomes a requantize with unit scales.
// CHECK-LABEL: func.func @dq_q_narrowing
// CHECK: quantc.rescale
// CHECK-SAME: output_scale
func.func @dq_q_narrowing(%q: tensor<4x8xi8>, %s: tensor<1x1xf32>) -> tensor<4x8xi8> {
  %d = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<1x1xf32> -> tensor<4x8xf32>
  %r = quantc.quantize %d, %s : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi8>
  return %r : tensor<4x8xi8>
}

// -----

// Different scales: a requantize. A per-channel source scale goes to the
// column-scale slot of the epilogue.
// CHECK-LABEL: func.func @dq_q_requant
// CHECK-SAME: (%[[Q:.+]]: tensor<4x8xi8>, %[[S1:.+]]: tensor<1x8xf32>, %[[S2:.+]]: tensor<1x1xf32>)
// CHECK: %[[ONES:.+]] = arith.constant dense<1.000000e+00> : tensor<1x1xf32>
// CHECK: %[[W:.+]] = arith.extsi %[[Q]] : tensor<4x8xi8> to tensor<4x8xi32>
// CHECK: quantc.rescale %[[W]], %[[ONES]], %[[S1]] output_scale %[[S2]] {qmax = 127 : i64, qmin = -127 : i64} : (tensor<4x8xi32>, tensor<1x1xf32>, tensor<1x8xf32>, tensor<1x1xf32>) -> tensor<4x8xi8>
func.func @dq_q_requant(%q: tensor<4x8xi8>, %s1: tensor<1x8xf32>, %s2: tensor<1x1xf32>) -> tensor<4x8xi8> {
  %d = quantc.dequantize %q, %s1 : tensor<4x8xi8>, tensor<1x8xf32> -> tensor<4x8xf32>
  %r = quantc.quantize %d, %s2 : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi8>
  return %r : tensor<4x8xi8>
}

// -----

// Quantizing a constant weight folds at compile time.
// CHECK-LABEL: func.func @constant_weight
// CHECK: arith.constant dense<{{\[}}[25, 102, 52, 127]]> : tensor<1x4xi8>
// CHECK-NOT: quantc.quantize
func.func @constant_weight() -> tensor<1x4xi8> {
  %w = arith.constant dense<[[1.1, 4.5, 2.3, 5.6]]> : tensor<1x4xf32>
  %s = arith.constant dense<0.0440944881> : tensor<1x1xf32>
  %q = quantc.quantize %w, %s : tensor<1x4xf32>, tensor<1x1xf32> -> tensor<1x4xi8>
  return %q : tensor<1x4xi8>
}

// -----

// Bias + exact GELU after the epilogue move into it.
// CHECK-LABEL: func.func @bias_gelu
// CHECK: %[[ACC:.+]] = quantc.matmul
// CHECK: %[[Y:.+]] = quantc.rescale %[[ACC]], %{{.+}}, %{{.+}} bias %{{.+}} {activation = #quantc.activation<gelu>}
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @bias_gelu(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>, %b: tensor<32xf32>) -> tensor<4x32xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y, %b : tensor<4x32xf32>, tensor<32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %rsqrt2 = arith.constant 0.70710678118654752 : f32
    %t = arith.addf %a, %bb : f32
    %u = arith.mulf %t, %rsqrt2 : f32
    %erf = math.erf %u : f32
    %p = arith.addf %erf, %one : f32
    %h = arith.mulf %t, %half : f32
    %r = arith.mulf %h, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x32xf32>
  return %g : tensor<4x32xf32>
}

// -----

// A quantize of an elementwise producer (here the last step of a norm:
// x * gamma + beta) becomes one generic that writes int8.
// CHECK-LABEL: func.func @quantize_into_producer
// CHECK: %[[Q:.+]] = linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<4x8xi8>)
// CHECK:   %[[M:.+]] = arith.mulf
// CHECK:   %[[A:.+]] = arith.addf %[[M]]
// CHECK:   arith.divf %[[A]]
// CHECK:   math.roundeven
// CHECK:   arith.fptosi %{{.+}} : f32 to i8
// CHECK-NOT: quantc.quantize
// CHECK: return %[[Q]]
func.func @quantize_into_producer(%x: tensor<4x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>, %s: tensor<4x1xf32>) -> tensor<4x8xi8> {
  %e = tensor.empty() : tensor<4x8xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %gamma, %beta : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %q = quantc.quantize %n, %s : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
  return %q : tensor<4x8xi8>
}

// -----

// Dynamic per-token quantization: one loop over rows; the scale that the
// epilogue needs is assembled in the same loop.
// CHECK-LABEL: func.func @per_token_rows
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>
// CHECK: %[[R:.+]]:2 = scf.for %[[I:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[QA:.+]] = %{{.+}}, %[[SA:.+]] = %{{.+}}) -> (tensor<?x64xi8>, tensor<?x1xf32>)
// CHECK:   %[[ROW:.+]] = tensor.extract_slice %[[X]][%[[I]], 0] [1, 64] [1, 1] : tensor<?x64xf32> to tensor<1x64xf32>
// CHECK:   %[[S:.+]] = quantc.compute_scale %[[ROW]] {dims = array<i64: 1>} : tensor<1x64xf32> -> tensor<1x1xf32>
// CHECK:   %[[RQ:.+]] = quantc.quantize %[[ROW]], %[[S]] {qmax = 127 : i64, qmin = -127 : i64} : tensor<1x64xf32>, tensor<1x1xf32> -> tensor<1x64xi8>
// CHECK:   tensor.insert_slice %[[RQ]] into %[[QA]][%[[I]], 0] [1, 64] [1, 1]
// CHECK:   tensor.insert_slice %[[S]] into %[[SA]][%[[I]], 0] [1, 1] [1, 1]
// CHECK: quantc.matmul %[[R]]#0
// CHECK: quantc.rescale %{{.+}}, %[[R]]#1
func.func @per_token_rows(%x: tensor<?x64xf32>, %wq: tensor<16x64xi8>, %ws: tensor<1x16xf32>) -> tensor<?x16xf32> {
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<?x64xf32> -> tensor<?x1xf32>
  %q = quantc.quantize %x, %s : tensor<?x64xf32>, tensor<?x1xf32> -> tensor<?x64xi8>
  %acc = quantc.matmul %q, %wq : tensor<?x64xi8>, tensor<16x64xi8> -> tensor<?x16xi32>
  %y = quantc.rescale %acc, %s, %ws : (tensor<?x16xi32>, tensor<?x1xf32>, tensor<1x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Empty rows (K = 0, a 0-feature input): no loop over rows. Before, the
// loop sliced each row at offset 0 of its 0-size dimension, which the
// verifier rejects ("offset 1 is out-of-bounds: 0 >= 0"), in every pipeline.
// CHECK-LABEL: func.func @per_token_empty_rows
// CHECK-NOT: scf.for
// CHECK: quantc.compute_scale %arg0 {dims = array<i64: 1>} : tensor<?x0xf32> -> tensor<?x1xf32>
func.func @per_token_empty_rows(%x: tensor<?x0xf32>, %wq: tensor<16x0xi8>, %ws: tensor<1x16xf32>) -> tensor<?x16xf32> {
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<?x0xf32> -> tensor<?x1xf32>
  %q = quantc.quantize %x, %s : tensor<?x0xf32>, tensor<?x1xf32> -> tensor<?x0xi8>
  %acc = quantc.matmul %q, %wq : tensor<?x0xi8>, tensor<16x0xi8> -> tensor<?x16xi32>
  %y = quantc.rescale %acc, %s, %ws : (tensor<?x16xi32>, tensor<?x1xf32>, tensor<1x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A residual (skip connection, full result shape) after bias + ReLU moves
// into the epilogue, after the activation; the requantize follows, so the
// GEMM still writes int8.
// CHECK-LABEL: func.func @residual
// CHECK-SAME: %[[R:[^:]+]]: tensor<4x32xf32>
// CHECK: %[[ACC:.+]] = quantc.matmul
// CHECK: %[[Y:.+]] = quantc.rescale %[[ACC]], %{{.+}}, %{{.+}} bias %{{.+}} output_scale %{{.+}} residual %[[R]] {activation = #quantc.activation<relu>
// CHECK-SAME: -> tensor<4x32xi8>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @residual(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>, %b: tensor<32xf32>, %res: tensor<4x32xf32>, %os: tensor<1x1xf32>) -> tensor<4x32xi8> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y, %b : tensor<4x32xf32>, tensor<32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %t = arith.addf %a, %bb : f32
    %r = arith.maximumf %t, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x32xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%res, %h : tensor<4x32xf32>, tensor<4x32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %t = arith.addf %a, %c : f32
    linalg.yield %t : f32
  } -> tensor<4x32xf32>
  %q = quantc.quantize %s, %os : tensor<4x32xf32>, tensor<1x1xf32> -> tensor<4x32xi8>
  return %q : tensor<4x32xi8>
}

// -----

// ReLU written on tensors (TOSA / torch-mlir lowerings) joins the epilogue.
// CHECK-LABEL: func.func @tensor_relu
// CHECK: %[[Y:.+]] = quantc.rescale %{{.+}}, %{{.+}}, %{{.+}} {activation = #quantc.activation<relu>}
// CHECK-NOT: arith.maximumf
// CHECK: return %[[Y]]
func.func @tensor_relu(%acc: tensor<4x32xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x32xf32>) -> tensor<4x32xf32> {
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
  %z = arith.constant dense<0.0> : tensor<4x32xf32>
  %r = arith.maximumf %z, %y : tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}

// -----

// Exact GELU spelled x / sqrt(2), as PyTorch and ONNX export it.
// CHECK-LABEL: func.func @gelu_div_sqrt2
// CHECK: %[[Y:.+]] = quantc.rescale %{{.+}}, %{{.+}}, %{{.+}} {activation = #quantc.activation<gelu>}
// CHECK-NOT: math.erf
// CHECK: return %[[Y]]
func.func @gelu_div_sqrt2(%acc: tensor<4x32xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x32xf32>) -> tensor<4x32xf32> {
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
  %e = tensor.empty() : tensor<4x32xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<4x32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%t: f32, %o: f32):
    %sq = arith.constant 1.41421356 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %d = arith.divf %t, %sq : f32
    %er = math.erf %d : f32
    %p = arith.addf %er, %one : f32
    %ht = arith.mulf %t, %h : f32
    %r = arith.mulf %ht, %p : f32
    linalg.yield %r : f32
  } -> tensor<4x32xf32>
  return %g : tensor<4x32xf32>
}

// -----

// A ReLU on a rescale that already has an activation stays separate.
// CHECK-LABEL: func.func @relu_after_gelu
// CHECK: quantc.rescale {{.*}}activation = #quantc.activation<gelu>
// CHECK: arith.maximumf
func.func @relu_after_gelu(%acc: tensor<4x32xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x32xf32>) -> tensor<4x32xf32> {
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<gelu>} : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
  %z = arith.constant dense<0.0> : tensor<4x32xf32>
  %r = arith.maximumf %y, %z : tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}
