// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file | FileCheck %s --check-prefix=MARK
// RUN: quantc-opt %s --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s

// Every contraction form the verifier marks int8 becomes one quantc.matmul
// (issue 17): the marks and the executed form agree. 13 forms are fused,
// and 3 marked contractions that stay float say why in a remark.
// MARK-COUNT-16: quantc.gemm = "int8"
// MARK-NOT: quantc.gemm
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.contract
// CHECK-NOT: linalg.matvec
// CHECK-NOT: linalg.vecmat
// CHECK-NOT: linalg.dot

// CHECK-LABEL: func.func @qk_transposed_map
// CHECK: quantc.matmul %arg0, %arg2 : tensor<2x4x8xi8>, tensor<2x6x8xi8> -> tensor<2x4x6xi32>
// CHECK: quantc.rescale {{.*}} : (tensor<2x4x6xi32>, tensor<2x4x1xf32>, tensor<2x1x6xf32>) -> tensor<2x4x6xf32>
func.func @qk_transposed_map(%q: tensor<2x4x8xi8>, %qs: tensor<2x4x1xf32>, %k: tensor<2x6x8xi8>, %ks: tensor<2x6x1xf32>) -> tensor<2x4x6xf32> {
  %qd = quantc.dequantize %q, %qs : tensor<2x4x8xi8>, tensor<2x4x1xf32> -> tensor<2x4x8xf32>
  %kd = quantc.dequantize %k, %ks : tensor<2x6x8xi8>, tensor<2x6x1xf32> -> tensor<2x6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%qd, %kd : tensor<2x4x8xf32>, tensor<2x6x8xf32>) outs(%init : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  return %y : tensor<2x4x6xf32>
}

// -----

// The transpose is folded into the access: no linalg.transpose is left.
// CHECK-LABEL: func.func @qk_transpose_op
// CHECK-NOT: linalg.transpose
// CHECK: quantc.matmul %arg0, %arg2 : tensor<2x4x8xi8>, tensor<2x6x8xi8> -> tensor<2x4x6xi32>
func.func @qk_transpose_op(%q: tensor<2x4x8xi8>, %qs: tensor<2x4x1xf32>, %k: tensor<2x6x8xi8>, %ks: tensor<2x6x1xf32>) -> tensor<2x4x6xf32> {
  %qd = quantc.dequantize %q, %qs : tensor<2x4x8xi8>, tensor<2x4x1xf32> -> tensor<2x4x8xf32>
  %kd = quantc.dequantize %k, %ks : tensor<2x6x8xi8>, tensor<2x6x1xf32> -> tensor<2x6x8xf32>
  %te = tensor.empty() : tensor<2x8x6xf32>
  %kt = linalg.transpose ins(%kd : tensor<2x6x8xf32>) outs(%te : tensor<2x8x6xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %y = linalg.batch_matmul ins(%qd, %kt : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%init : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  return %y : tensor<2x4x6xf32>
}

// -----

// Einsum bhqd,bhkd->bhqk: two batch dimensions, a per-head weight scale.
// CHECK-LABEL: func.func @einsum_generic
// CHECK: quantc.matmul %arg0, %arg2 : tensor<2x3x4x8xi8>, tensor<2x3x6x8xi8> -> tensor<2x3x4x6xi32>
// CHECK: quantc.rescale %{{.+}}, %arg1, %arg3 : (tensor<2x3x4x6xi32>, tensor<2x3x4x1xf32>, tensor<1x3x1x1xf32>)
func.func @einsum_generic(%q: tensor<2x3x4x8xi8>, %qs: tensor<2x3x4x1xf32>, %k: tensor<2x3x6x8xi8>, %ks: tensor<1x3x1x1xf32>) -> tensor<2x3x4x6xf32> {
  %qd = quantc.dequantize %q, %qs : tensor<2x3x4x8xi8>, tensor<2x3x4x1xf32> -> tensor<2x3x4x8xf32>
  %kd = quantc.dequantize %k, %ks : tensor<2x3x6x8xi8>, tensor<1x3x1x1xf32> -> tensor<2x3x6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x4x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x4x6xf32>) -> tensor<2x3x4x6xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(b, h, q, k, d) -> (b, h, q, d)>, affine_map<(b, h, q, k, d) -> (b, h, k, d)>, affine_map<(b, h, q, k, d) -> (b, h, q, k)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
         ins(%qd, %kd : tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>) outs(%init : tensor<2x3x4x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x4x6xf32>
  return %y : tensor<2x3x4x6xf32>
}

// -----

// A 3-D linear [B, S, C] x [D, C]: the weight is broadcast over B.
// CHECK-LABEL: func.func @linear_3d_generic
// CHECK: quantc.matmul %arg0, %arg2 : tensor<2x5x8xi8>, tensor<6x8xi8> -> tensor<2x5x6xi32>
// CHECK: quantc.rescale {{.*}} : (tensor<2x5x6xi32>, tensor<2x5x1xf32>, tensor<1x1x6xf32>) -> tensor<2x5x6xf32>
func.func @linear_3d_generic(%x: tensor<2x5x8xi8>, %xs: tensor<2x5x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>) -> tensor<2x5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<2x5x8xi8>, tensor<2x5x1xf32> -> tensor<2x5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<6x8xi8>, tensor<6x1xf32> -> tensor<6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x6xf32>) -> tensor<2x5x6xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(b, s, d, c) -> (b, s, c)>, affine_map<(b, s, d, c) -> (d, c)>, affine_map<(b, s, d, c) -> (b, s, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
         ins(%xd, %wd : tensor<2x5x8xf32>, tensor<6x8xf32>) outs(%init : tensor<2x5x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x5x6xf32>
  return %y : tensor<2x5x6xf32>
}

// -----

// CHECK-LABEL: func.func @contract
// CHECK: quantc.matmul %arg0, %arg2 {transpose_rhs} : tensor<5x8xi8>, tensor<8x6xi8> -> tensor<5x6xi32>
func.func @contract(%x: tensor<5x8xi8>, %xs: tensor<5x1xf32>, %w: tensor<8x6xi8>, %ws: tensor<1x6xf32>) -> tensor<5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<5x8xi8>, tensor<5x1xf32> -> tensor<5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x6xi8>, tensor<1x6xf32> -> tensor<8x6xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5x6xf32>) -> tensor<5x6xf32>
  %y = linalg.contract indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<5x8xf32>, tensor<8x6xf32>) outs(%init : tensor<5x6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// CHECK-LABEL: func.func @batch_broadcast_weight
// CHECK: quantc.matmul %arg0, %arg2 {transpose_rhs} : tensor<2x5x8xi8>, tensor<8x6xi8> -> tensor<2x5x6xi32>
func.func @batch_broadcast_weight(%x: tensor<2x5x8xi8>, %xs: tensor<1x1x1xf32>, %w: tensor<8x6xi8>, %ws: tensor<1x6xf32>) -> tensor<2x5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<2x5x8xi8>, tensor<1x1x1xf32> -> tensor<2x5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x6xi8>, tensor<1x6xf32> -> tensor<8x6xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x6xf32>) -> tensor<2x5x6xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%xd, %wd : tensor<2x5x8xf32>, tensor<8x6xf32>) outs(%init : tensor<2x5x6xf32>) -> tensor<2x5x6xf32>
  return %y : tensor<2x5x6xf32>
}

// -----

// The per-token scale of a [C, N] activation ([1, N]) becomes the
// epilogue's [N, 1].
// CHECK-LABEL: func.func @transposed_a
// CHECK: %[[ACC:.+]] = quantc.matmul %arg0, %arg2 {transpose_lhs} : tensor<8x5xi8>, tensor<6x8xi8> -> tensor<5x6xi32>
// CHECK: %[[XS:.+]] = tensor.expand_shape %{{.+}} output_shape [5, 1]
// CHECK: quantc.rescale %[[ACC]], %[[XS]], %{{.+}} : (tensor<5x6xi32>, tensor<5x1xf32>, tensor<1x6xf32>)
func.func @transposed_a(%x: tensor<8x5xi8>, %xs: tensor<1x5xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>) -> tensor<5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<8x5xi8>, tensor<1x5xf32> -> tensor<8x5xf32>
  %wd = quantc.dequantize %w, %ws : tensor<6x8xi8>, tensor<6x1xf32> -> tensor<6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5x6xf32>) -> tensor<5x6xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<8x5xf32>, tensor<6x8xf32>) outs(%init : tensor<5x6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// A transpose on the integer side is folded too: the [C, D] integer tensor
// is read with transpose_rhs; the scale keeps the dequantize's layout.
// CHECK-LABEL: func.func @transpose_int_side
// CHECK-NOT: linalg.transpose
// CHECK: quantc.matmul %arg0, %arg2 {transpose_rhs} : tensor<5x8xi8>, tensor<8x6xi8> -> tensor<5x6xi32>
func.func @transpose_int_side(%x: tensor<5x8xi8>, %xs: tensor<5x1xf32>, %w: tensor<8x6xi8>, %ws: tensor<6x1xf32>) -> tensor<5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<5x8xi8>, tensor<5x1xf32> -> tensor<5x8xf32>
  %te = tensor.empty() : tensor<6x8xi8>
  %wt = linalg.transpose ins(%w : tensor<8x6xi8>) outs(%te : tensor<6x8xi8>) permutation = [1, 0]
  %wd = quantc.dequantize %wt, %ws : tensor<6x8xi8>, tensor<6x1xf32> -> tensor<6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5x6xf32>) -> tensor<5x6xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<5x8xf32>, tensor<6x8xf32>) outs(%init : tensor<5x6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// Matrix-vector, vector-matrix and dot products get unit dimensions ([K] ->
// [1, K]) around a quantc.matmul; the result is reshaped back.
// CHECK-LABEL: func.func @matvec
// CHECK: %[[X:.+]] = tensor.expand_shape %arg2 {{\[}}[0, 1]] output_shape [1, 8] : tensor<8xi8> into tensor<1x8xi8>
// CHECK: quantc.matmul %arg0, %[[X]] : tensor<6x8xi8>, tensor<1x8xi8> -> tensor<6x1xi32>
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<6x1xf32> into tensor<6xf32>
func.func @matvec(%w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %x: tensor<8xi8>, %xs: tensor<1xf32>) -> tensor<6xf32> {
  %wd = quantc.dequantize %w, %ws : tensor<6x8xi8>, tensor<6x1xf32> -> tensor<6x8xf32>
  %xd = quantc.dequantize %x, %xs : tensor<8xi8>, tensor<1xf32> -> tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<6xf32>) -> tensor<6xf32>
  %y = linalg.matvec ins(%wd, %xd : tensor<6x8xf32>, tensor<8xf32>) outs(%init : tensor<6xf32>) -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

// CHECK-LABEL: func.func @vecmat
// CHECK: quantc.matmul %{{.+}}, %arg2 {transpose_rhs} : tensor<1x8xi8>, tensor<8x6xi8> -> tensor<1x6xi32>
func.func @vecmat(%x: tensor<8xi8>, %xs: tensor<1xf32>, %w: tensor<8x6xi8>, %ws: tensor<1x6xf32>) -> tensor<6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<8xi8>, tensor<1xf32> -> tensor<8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x6xi8>, tensor<1x6xf32> -> tensor<8x6xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<6xf32>) -> tensor<6xf32>
  %y = linalg.vecmat ins(%xd, %wd : tensor<8xf32>, tensor<8x6xf32>) outs(%init : tensor<6xf32>) -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

// CHECK-LABEL: func.func @dot
// CHECK: quantc.matmul {{.*}} : tensor<1x8xi8>, tensor<1x8xi8> -> tensor<1x1xi32>
// CHECK: tensor.collapse_shape %{{.+}} [] : tensor<1x1xf32> into tensor<f32>
func.func @dot(%x: tensor<8xi8>, %xs: tensor<1xf32>, %w: tensor<8xi8>, %ws: tensor<1xf32>) -> tensor<f32> {
  %xd = quantc.dequantize %x, %xs : tensor<8xi8>, tensor<1xf32> -> tensor<8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8xi8>, tensor<1xf32> -> tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %y = linalg.dot ins(%xd, %wd : tensor<8xf32>, tensor<8xf32>) outs(%init : tensor<f32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

// Zero points: the GEMM runs on the stored integers with the zero points as
// the matmul's operands, shaped over the result (the activation's per row,
// widened to i32; the weight's per column); the kernels fold the
// corrections into their compensation and epilogue.
// CHECK-LABEL: func.func @zp_both
// CHECK: %[[ZX:.+]] = arith.extsi %arg2 : tensor<5x1xi8> to tensor<5x1xi32>
// CHECK: %[[ZW:.+]] = tensor.expand_shape
// CHECK-SAME: tensor<6xi32> into tensor<1x6xi32>
// CHECK: %[[ACC:.+]] = quantc.matmul %arg0, %arg3 lhs_zero_point(%[[ZX]] : tensor<5x1xi32>) rhs_zero_point(%[[ZW]] : tensor<1x6xi32>) : tensor<5x8xi8>, tensor<6x8xi8> -> tensor<5x6xi32>
// CHECK-NOT: linalg.generic
// CHECK: quantc.rescale %[[ACC]]
func.func @zp_both(%x: tensor<5x8xi8>, %xs: tensor<5x1xf32>, %xz: tensor<5x1xi8>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>, %wz: tensor<6x1xi32>) -> tensor<5x6xf32> {
  %xd = quantc.dequantize %x, %xs zero_point %xz : tensor<5x8xi8>, tensor<5x1xf32>, tensor<5x1xi8> -> tensor<5x8xf32>
  %wd = quantc.dequantize %w, %ws zero_point %wz : tensor<6x8xi8>, tensor<6x1xf32>, tensor<6x1xi32> -> tensor<6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5x6xf32>) -> tensor<5x6xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<5x8xf32>, tensor<6x8xf32>) outs(%init : tensor<5x6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// CHECK-LABEL: func.func @zp_act
// CHECK: %[[ZX:.+]] = arith.extsi %arg2 : tensor<1x1x1xi8> to tensor<1x1x1xi32>
// CHECK: quantc.matmul %arg0, %arg3 lhs_zero_point(%[[ZX]] : tensor<1x1x1xi32>) {transpose_rhs}
// CHECK: quantc.rescale
func.func @zp_act(%x: tensor<2x5x8xi8>, %xs: tensor<1x1x1xf32>, %xz: tensor<1x1x1xi8>, %w: tensor<8x6xi8>, %ws: tensor<1x6xf32>) -> tensor<2x5x6xf32> {
  %xd = quantc.dequantize %x, %xs zero_point %xz : tensor<2x5x8xi8>, tensor<1x1x1xf32>, tensor<1x1x1xi8> -> tensor<2x5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<8x6xi8>, tensor<1x6xf32> -> tensor<8x6xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x5x6xf32>) -> tensor<2x5x6xf32>
  %y = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%xd, %wd : tensor<2x5x8xf32>, tensor<8x6xf32>) outs(%init : tensor<2x5x6xf32>) -> tensor<2x5x6xf32>
  return %y : tensor<2x5x6xf32>
}

// -----

// Marked int8 but not fused: each says why.
// CHECK-LABEL: func.func @garbage_accumulator
func.func @garbage_accumulator(%x: tensor<5x8xi8>, %xs: tensor<5x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>) -> tensor<5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<5x8xi8>, tensor<5x1xf32> -> tensor<5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<6x8xi8>, tensor<6x1xf32> -> tensor<6x8xf32>
  %e = tensor.empty() : tensor<5x6xf32>
  // expected-remark @+1 {{verified as an int8 GEMM but stays a float GEMM: its accumulator (outs) does not start at zero}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<5x8xf32>, tensor<6x8xf32>) outs(%e : tensor<5x6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}

// -----

// CHECK-LABEL: func.func @result_transposed
func.func @result_transposed(%x: tensor<5x8xi8>, %xs: tensor<5x1xf32>, %w: tensor<6x8xi8>, %ws: tensor<6x1xf32>) -> tensor<6x5xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<5x8xi8>, tensor<5x1xf32> -> tensor<5x8xf32>
  %wd = quantc.dequantize %w, %ws : tensor<6x8xi8>, tensor<6x1xf32> -> tensor<6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5xf32>) -> tensor<6x5xf32>
  // expected-remark @+1 {{verified as an int8 GEMM but stays a float GEMM: its result is not laid out [..., rows, output channels] (the output channels last)}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (n, m)>]
         ins(%xd, %wd : tensor<5x8xf32>, tensor<6x8xf32>) outs(%init : tensor<6x5xf32>) -> tensor<6x5xf32>
  return %y : tensor<6x5xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_between
func.func @reshape_between(%x: tensor<5x8xi8>, %xs: tensor<5x1xf32>, %w: tensor<48xi8>, %ws: tensor<1xf32>) -> tensor<5x6xf32> {
  %xd = quantc.dequantize %x, %xs : tensor<5x8xi8>, tensor<5x1xf32> -> tensor<5x8xf32>
  %wd1 = quantc.dequantize %w, %ws : tensor<48xi8>, tensor<1xf32> -> tensor<48xf32>
  %wd = tensor.expand_shape %wd1 [[0, 1]] output_shape [6, 8] : tensor<48xf32> into tensor<6x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<5x6xf32>) -> tensor<5x6xf32>
  // expected-remark @+1 {{verified as an int8 GEMM but stays a float GEMM: the weight is not a quantc.dequantize of an integer tensor (through transposes and casts)}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<5x8xf32>, tensor<6x8xf32>) outs(%init : tensor<5x6xf32>) -> tensor<5x6xf32>
  return %y : tensor<5x6xf32>
}
