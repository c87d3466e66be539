// RUN: quantc-opt %s | FileCheck %s
// RUN: quantc-opt %s | quantc-opt | FileCheck %s
// RUN: quantc-opt %s --mlir-print-op-generic | quantc-opt | FileCheck %s

// CHECK-LABEL: func.func @quantize_granularities
func.func @quantize_granularities(%x: tensor<4x8xf32>, %t: tensor<1x1xf32>,
    %tok: tensor<4x1xf32>, %ch: tensor<1x8xf32>, %blk: tensor<1x2xf32>,
    %el: tensor<4x8xf32>) -> (tensor<4x8xi8>, tensor<4x8xi8>, tensor<4x8xi8>, tensor<4x8xi8>, tensor<4x8xi8>) {
  // CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi8>
  %0 = quantc.quantize %x, %t : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi8>
  // CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
  %1 = quantc.quantize %x, %tok : tensor<4x8xf32>, tensor<4x1xf32> -> tensor<4x8xi8>
  // CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xi8>
  %2 = quantc.quantize %x, %ch : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xi8>
  // CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<1x2xf32> -> tensor<4x8xi8>
  %3 = quantc.quantize %x, %blk : tensor<4x8xf32>, tensor<1x2xf32> -> tensor<4x8xi8>
  // CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xi8>
  %4 = quantc.quantize %x, %el : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xi8>
  return %0, %1, %2, %3, %4 : tensor<4x8xi8>, tensor<4x8xi8>, tensor<4x8xi8>, tensor<4x8xi8>, tensor<4x8xi8>
}

// CHECK-LABEL: func.func @affine
func.func @affine(%x: tensor<4x8xf32>, %s: tensor<1x8xf32>, %zp: tensor<1x8xi32>) -> tensor<4x8xf32> {
  // CHECK: [[Q:%.+]] = quantc.quantize %{{.*}}, %{{.*}} zero_point %{{.*}} {qmax = 127 : i64, qmin = -128 : i64} : tensor<4x8xf32>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<4x8xi8>
  %q = quantc.quantize %x, %s zero_point %zp {qmin = -128 : i64, qmax = 127 : i64} : tensor<4x8xf32>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<4x8xi8>
  // CHECK: quantc.dequantize [[Q]], %{{.*}} zero_point %{{.*}} : tensor<4x8xi8>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<4x8xf32>
  %d = quantc.dequantize %q, %s zero_point %zp : tensor<4x8xi8>, tensor<1x8xf32>, tensor<1x8xi32> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @int4
func.func @int4(%x: tensor<4x8xf32>, %s: tensor<1x1xf32>) -> tensor<4x8xi4> {
  // CHECK: quantc.quantize {{.*}} -> tensor<4x8xi4>
  %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi4>
  return %q : tensor<4x8xi4>
}

// CHECK-LABEL: func.func @compute_scale
func.func @compute_scale(%x: tensor<4x8xf32>) -> (tensor<4x1xf32>, tensor<1x1xf32>) {
  // CHECK: quantc.compute_scale %{{.*}} {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  %0 = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  // CHECK: quantc.compute_scale %{{.*}} {dims = array<i64: 0, 1>, qmax = 7 : i64} : tensor<4x8xf32> -> tensor<1x1xf32>
  %1 = quantc.compute_scale %x {dims = array<i64: 0, 1>, qmax = 7 : i64} : tensor<4x8xf32> -> tensor<1x1xf32>
  return %0, %1 : tensor<4x1xf32>, tensor<1x1xf32>
}

// CHECK-LABEL: func.func @gemm
func.func @gemm(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>, %xs: tensor<4x1xf32>,
                %ws: tensor<1x16xf32>, %b: tensor<1x16xf32>, %os: tensor<1x1xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xi8>) {
  // CHECK: [[ACC:%.+]] = quantc.matmul %{{.*}}, %{{.*}} : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  %acc = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<4x16xi32>
  // CHECK: quantc.rescale [[ACC]], %{{.*}}, %{{.*}} bias %{{.*}} {activation = #quantc.activation<gelu>}
  // CHECK-SAME: (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  %y = quantc.rescale %acc, %xs, %ws bias %b {activation = #quantc.activation<gelu>}
      : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  // CHECK: quantc.rescale [[ACC]], %{{.*}}, %{{.*}} output_scale %{{.*}} {activation = #quantc.activation<relu>}
  // CHECK-SAME: -> tensor<4x16xi8>
  %q = quantc.rescale %acc, %xs, %ws output_scale %os {activation = #quantc.activation<relu>}
      : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x1xf32>) -> tensor<4x16xi8>
  // CHECK: quantc.rescale [[ACC]], %{{.*}}, %{{.*}} output_scale %{{.*}} residual %{{.*}} :
  // CHECK-SAME: tensor<4x16xf32>) -> tensor<4x16xi8>
  %r = quantc.rescale %acc, %xs, %ws output_scale %os residual %y
      : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x1xf32>, tensor<4x16xf32>) -> tensor<4x16xi8>
  return %y, %r : tensor<4x16xf32>, tensor<4x16xi8>
}

// CHECK-LABEL: func.func @batch_gemm
func.func @batch_gemm(%x: tensor<2x4x8xi8>, %w: tensor<2x16x8xi8>) -> tensor<2x4x16xi32> {
  // CHECK: quantc.matmul {{.*}} : tensor<2x4x8xi8>, tensor<2x16x8xi8> -> tensor<2x4x16xi32>
  %acc = quantc.matmul %x, %w : tensor<2x4x8xi8>, tensor<2x16x8xi8> -> tensor<2x4x16xi32>
  return %acc : tensor<2x4x16xi32>
}

// A weight scale may vary along the batch (one per attention head, or per
// token of K in Q·Kᵀ), as an activation scale may.
// CHECK-LABEL: func.func @rescale_batch_scales
func.func @rescale_batch_scales(%a: tensor<2x4x16xi32>, %xs: tensor<2x4x1xf32>, %ws: tensor<2x1x16xf32>) -> tensor<2x4x16xf32> {
  // CHECK: quantc.rescale
  %y = quantc.rescale %a, %xs, %ws : (tensor<2x4x16xi32>, tensor<2x4x1xf32>, tensor<2x1x16xf32>) -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// CHECK-LABEL: func.func @gemm_layouts
func.func @gemm_layouts(%q: tensor<2x4x8xi8>, %k: tensor<2x8x16xi8>, %w: tensor<8x16xi8>, %xt: tensor<2x8x4xi8>)
    -> (tensor<2x4x16xi32>, tensor<2x4x16xi32>, tensor<2x4x8xi32>) {
  // CHECK: quantc.matmul %{{.*}}, %{{.*}} {transpose_rhs} : tensor<2x4x8xi8>, tensor<2x8x16xi8> -> tensor<2x4x16xi32>
  %a = quantc.matmul %q, %k {transpose_rhs} : tensor<2x4x8xi8>, tensor<2x8x16xi8> -> tensor<2x4x16xi32>
  // CHECK: quantc.matmul %{{.*}}, %{{.*}} {transpose_lhs, transpose_rhs} : tensor<2x8x4xi8>, tensor<8x16xi8> -> tensor<2x4x16xi32>
  %b = quantc.matmul %xt, %w {transpose_lhs, transpose_rhs} : tensor<2x8x4xi8>, tensor<8x16xi8> -> tensor<2x4x16xi32>
  // A rank-2 weight broadcast over the batch.
  // CHECK: quantc.matmul %{{.*}}, %{{.*}} : tensor<2x4x8xi8>, tensor<8x8xi8> -> tensor<2x4x8xi32>
  %w2 = tensor.extract_slice %w[0, 0] [8, 8] [1, 1] : tensor<8x16xi8> to tensor<8x8xi8>
  %c = quantc.matmul %q, %w2 : tensor<2x4x8xi8>, tensor<8x8xi8> -> tensor<2x4x8xi32>
  return %a, %b, %c : tensor<2x4x16xi32>, tensor<2x4x16xi32>, tensor<2x4x8xi32>
}

// CHECK-LABEL: func.func @smooth_observe
func.func @smooth_observe(%x: tensor<4x2xf32>, %s: tensor<1x2xf32>) -> tensor<4x2xf32> {
  // CHECK: [[O:%.+]] = quantc.observe %{{.*}} {absmax = dense<[1.000000e+00, 8.000000e+01]> : tensor<2xf32>} : tensor<4x2xf32>
  %o = quantc.observe %x {absmax = dense<[1.0, 80.0]> : tensor<2xf32>} : tensor<4x2xf32>
  // CHECK: quantc.smooth [[O]], %{{.*}} : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x2xf32>
  %y = quantc.smooth %o, %s : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// The generic forms the issue names must parse.
// CHECK-LABEL: func.func @generic_forms
func.func @generic_forms(%x: tensor<4x2xf32>, %s: tensor<1x1xf32>) -> (tensor<4x2xf32>, tensor<4x2xi8>) {
  // CHECK: quantc.observe
  %o = "quantc.observe"(%x) {absmax = dense<[1.0, 2.0]> : tensor<2xf32>} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  // CHECK: quantc.quantize
  %q = "quantc.quantize"(%x, %s) : (tensor<4x2xf32>, tensor<1x1xf32>) -> tensor<4x2xi8>
  return %o, %q : tensor<4x2xf32>, tensor<4x2xi8>
}

// CHECK-LABEL: func.func @dynamic
func.func @dynamic(%x: tensor<?x8xf32>, %s: tensor<?x1xf32>) -> tensor<?x8xi8> {
  // CHECK: quantc.quantize {{.*}} : tensor<?x8xf32>, tensor<?x1xf32> -> tensor<?x8xi8>
  %q = quantc.quantize %x, %s : tensor<?x8xf32>, tensor<?x1xf32> -> tensor<?x8xi8>
  return %q : tensor<?x8xi8>
}
