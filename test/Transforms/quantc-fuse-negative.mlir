// Cases where fusion must not happen: the QDQ form stays, and stays correct.
// RUN: quantc-opt %s --quantc-fuse -split-input-file -verify-diagnostics | FileCheck %s

// A per-channel activation scale varies along the reduction dimension.
// CHECK-LABEL: func.func @per_channel_activation
// CHECK: linalg.matmul
// CHECK-NOT: quantc.matmul
func.func @per_channel_activation(%xq: tensor<4x16xi8>, %xs: tensor<1x16xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>) -> tensor<4x32xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<1x16xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Block weight scales along the reduction dimension (blocks of 8).
// CHECK-LABEL: func.func @block_weight
// CHECK: linalg.matmul
// CHECK-NOT: quantc.matmul
func.func @block_weight(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x2xf32>) -> tensor<4x32xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x2xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// The matmul accumulates into an existing tensor.
// CHECK-LABEL: func.func @nonzero_init
// CHECK: linalg.matmul
// CHECK-NOT: quantc.matmul
func.func @nonzero_init(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>, %init: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  // expected-remark @+1 {{verified as an int8 GEMM but stays a float GEMM: its accumulator (outs) does not start at zero}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Float activations (W8A16): nothing to make integer.
// CHECK-LABEL: func.func @weight_only
// CHECK: linalg.matmul
// CHECK-NOT: quantc.matmul
func.func @weight_only(%x: tensor<4x16xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>) -> tensor<4x32xf32> {
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// The float GEMM result has a second user: ReLU and the requantize stay out
// of the epilogue so that user still sees the float value; the quantize
// still fuses into the ReLU (its single-use producer), which writes int8.
// CHECK-LABEL: func.func @multiple_users
// CHECK: %[[Y:.+]] = quantc.rescale %{{.+}}, %{{.+}}, %{{.+}} : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
// CHECK: %[[H:.+]] = linalg.generic
// CHECK-SAME: ins(%[[Y]], %{{.+}} : tensor<4x32xf32>, tensor<1x1xf32>) outs(%{{.+}} : tensor<4x32xi8>)
// CHECK: arith.maximumf
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK-NOT: quantc.quantize
// CHECK: return %[[H]], %[[Y]]
func.func @multiple_users(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>, %s: tensor<1x1xf32>) -> (tensor<4x32xi8>, tensor<4x32xf32>) {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<4x32xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x32xf32>
  %hq = quantc.quantize %h, %s : tensor<4x32xf32>, tensor<1x1xf32> -> tensor<4x32xi8>
  return %hq, %y : tensor<4x32xi8>, tensor<4x32xf32>
}

// -----

// A tensor that varies along the rows only is neither an epilogue bias (which
// varies along the output channels) nor a residual (the full result shape).
// CHECK-LABEL: func.func @not_epilogue_ops
// CHECK: %[[Y:.+]] = quantc.rescale %{{.+}}, %{{.+}}, %{{.+}} : (tensor<4x32xi32>, tensor<4x1xf32>, tensor<1x32xf32>) -> tensor<4x32xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[Y]], %{{.+}} : tensor<4x32xf32>, tensor<4x1xf32>)
func.func @not_epilogue_ops(%xq: tensor<4x16xi8>, %xs: tensor<4x1xf32>, %wq: tensor<32x16xi8>, %ws: tensor<32x1xf32>, %b: tensor<4x1xf32>) -> tensor<4x32xf32> {
  %x = quantc.dequantize %xq, %xs : tensor<4x16xi8>, tensor<4x1xf32> -> tensor<4x16xf32>
  %w = quantc.dequantize %wq, %ws : tensor<32x16xi8>, tensor<32x1xf32> -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<32x16xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y, %b : tensor<4x32xf32>, tensor<4x1xf32>) outs(%e : tensor<4x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %t = arith.addf %a, %c : f32
    linalg.yield %t : f32
  } -> tensor<4x32xf32>
  return %h : tensor<4x32xf32>
}

// -----

// dq -> q with per-element source scales cannot be one epilogue.
// CHECK-LABEL: func.func @dq_q_per_element
// CHECK: quantc.dequantize
// CHECK: quantc.quantize
// CHECK-NOT: quantc.rescale
func.func @dq_q_per_element(%q: tensor<4x8xi8>, %s1: tensor<4x8xf32>, %s2: tensor<1x1xf32>) -> tensor<4x8xi8> {
  %d = quantc.dequantize %q, %s1 : tensor<4x8xi8>, tensor<4x8xf32> -> tensor<4x8xf32>
  %r = quantc.quantize %d, %s2 : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<4x8xi8>
  return %r : tensor<4x8xi8>
}
