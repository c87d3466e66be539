// RUN: quantc-opt %s --quantc-verify-gemm -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-verify-gemm="mode=warn" -split-input-file | FileCheck %s --check-prefix=WARN
// RUN: quantc-opt %s --quantc-verify-gemm="mode=warn target=vnni" -split-input-file | FileCheck %s --check-prefix=VNNI
// RUN: quantc-opt %s --quantc-verify-gemm="mode=warn target=nvvm k-tile=64" -split-input-file | FileCheck %s --check-prefix=KT64

// One case per rule and per diagnostic of --quantc-verify-gemm. The first RUN
// line checks errors and marks; the others run in mode=warn (a remark and an
// "illegal" mark instead of an error) to check the verdicts per target/K tile.
// Operand 0 is the activation X [N, C]; operand 1 the weight, [D, C] in the
// transposed-B form and [C, D] in the plain linalg.matmul form.

// Per-token activation x per-output-channel weight, transposed-B matmul.
// CHECK-LABEL: func.func @tb_per_token_per_out_channel
// CHECK: linalg.matmul
// CHECK-SAME: {quantc.gemm = "int8"}
// WARN-LABEL: func.func @tb_per_token_per_out_channel
// WARN: quantc.gemm = "int8"
func.func @tb_per_token_per_out_channel(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x1xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Plain linalg.matmul: the weight is [C, D], so its output channels are
// dimension 1 and its reduction dimension is 0.
// CHECK-LABEL: func.func @plain_per_token_per_out_channel
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @plain_per_token_per_out_channel(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Per-tensor constant scales; the activation is quantized in the function
// (quantize -> dequantize chain).
// CHECK-LABEL: func.func @plain_per_tensor
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @plain_per_tensor(%x: tensor<4x64xf32>, %wq: tensor<64x16xi8>) -> tensor<4x16xf32> {
  %xs = arith.constant dense<0.05> : tensor<1x1xf32>
  %ws = arith.constant dense<0.01> : tensor<1x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<4x64xf32>, tensor<1x1xf32> -> tensor<4x64xi8>
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<1x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x1xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Dynamic per-token scale from quantc.compute_scale, dynamic token count.
// CHECK-LABEL: func.func @dynamic_per_token
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @dynamic_per_token(%x: tensor<?x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<?x64xf32> -> tensor<?x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<?x64xf32>, tensor<?x1xf32> -> tensor<?x64xi8>
  %xd = quantc.dequantize %xq, %xs : tensor<?x64xi8>, tensor<?x1xf32> -> tensor<?x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<?x64xf32>, tensor<64x16xf32>) outs(%init : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Batch matmul: a scale may vary along the batch dimension too.
// CHECK-LABEL: func.func @batch_per_token
// CHECK: linalg.batch_matmul {quantc.gemm = "int8"}
func.func @batch_per_token(%xq: tensor<2x4x64xi8>, %xs: tensor<2x4x1xf32>, %wq: tensor<2x64x16xi8>, %ws: tensor<2x1x16xf32>) -> tensor<2x4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<2x4x64xi8>, tensor<2x4x1xf32> -> tensor<2x4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<2x64x16xi8>, tensor<2x1x16xf32> -> tensor<2x64x16xf32>
  %init = tensor.empty() : tensor<2x4x16xf32>
  %y = linalg.batch_matmul ins(%xd, %wd : tensor<2x4x64xf32>, tensor<2x64x16xf32>) outs(%init : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// A linalg.generic contraction with the activation stored [C, N]: the roles
// come from the indexing maps, so its per-token scale is [1, N].
// CHECK-LABEL: func.func @generic_transposed_activation
// CHECK: linalg.generic
// CHECK-SAME: quantc.gemm = "int8"
func.func @generic_transposed_activation(%xq: tensor<64x4xi8>, %xs: tensor<1x4xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<64x4xi8>, tensor<1x4xf32> -> tensor<64x4xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x1xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%xd, %wd : tensor<64x4xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// quantc.matmul: the scales are those of the quantize producers.
// CHECK-LABEL: func.func @quantc_matmul_legal
// CHECK: quantc.matmul
// CHECK-SAME: {quantc.gemm = "int8"}
func.func @quantc_matmul_legal(%x: tensor<4x64xf32>, %xs: tensor<4x1xf32>, %w: tensor<16x64xf32>, %ws: tensor<16x1xf32>) -> tensor<4x16xi32> {
  %xq = quantc.quantize %x, %xs : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xi8>
  %wq = quantc.quantize %w, %ws : tensor<16x64xf32>, tensor<16x1xf32> -> tensor<16x64xi8>
  %acc = quantc.matmul %xq, %wq : tensor<4x64xi8>, tensor<16x64xi8> -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}

// -----

// An integer linalg.matmul has no scales to prove anything about, but is an
// int8 GEMM (and is checked for overflow).
// CHECK-LABEL: func.func @integer_linalg_matmul
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @integer_linalg_matmul(%x: tensor<4x64xi8>, %w: tensor<64x16xi8>, %init: tensor<4x16xi32>) -> tensor<4x16xi32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x64xi8>, tensor<64x16xi8>) outs(%init : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}

// -----

// Float x float: nothing to prove, no mark.
// CHECK-LABEL: func.func @float_matmul
// CHECK: linalg.matmul ins
// CHECK-NOT: quantc.gemm
func.func @float_matmul(%x: tensor<4x64xf32>, %w: tensor<64x16xf32>, %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// The scale is traced through linalg.transpose: a [C, D] weight with a
// per-output-channel scale [1, D], transposed to [D, C].
// CHECK-LABEL: func.func @through_transpose
// CHECK: linalg.matmul
// CHECK-SAME: {quantc.gemm = "int8"}
func.func @through_transpose(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %e = tensor.empty() : tensor<16x64xf32>
  %wt = linalg.transpose ins(%wd : tensor<64x16xf32>) outs(%e : tensor<16x64xf32>) permutation = [1, 0]
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wt : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// The same weight scaled per input channel ([C, 1]) is caught after the
// transpose, on dimension 1.
func.func @through_transpose_illegal(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xi8>, %ws: tensor<64x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<64x1xf32> -> tensor<64x16xf32>
  %e = tensor.empty() : tensor<16x64xf32>
  %wt = linalg.transpose ins(%wd : tensor<64x16xf32>) outs(%e : tensor<16x64xf32>) permutation = [1, 0]
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<64x1xf32>' that varies along reduction dimension 1 (size 64)}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wt : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Collapsing [B, N, C] -> [B*N, C] keeps a per-token scale per token.
// CHECK-LABEL: func.func @through_collapse_shape
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @through_collapse_shape(%xq: tensor<2x4x64xi8>, %xs: tensor<2x4x1xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<8x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<2x4x64xi8>, tensor<2x4x1xf32> -> tensor<2x4x64xf32>
  %x2 = tensor.collapse_shape %xd [[0, 1], [2]] : tensor<2x4x64xf32> into tensor<8x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<8x16xf32>
  %y = linalg.matmul ins(%x2, %wd : tensor<8x64xf32>, tensor<64x16xf32>) outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Expanding the reduction dimension C = 64 -> [2, 32] of a weight quantized
// in blocks of 32: the scale then varies along the outer reduction dimension
// only, which is a K block of 32 of the flattened reduction.
// CHECK-LABEL: func.func @through_expand_shape_blocks
// CHECK: linalg.generic
// CHECK-SAME: quantc.gemm = "int8-kblocked"
// CHECK-SAME: quantc.gemm_k_block = 32 : i64
func.func @through_expand_shape_blocks(%xq: tensor<4x2x32xi8>, %xs: tensor<4x1x1xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x2xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x2x32xi8>, tensor<4x1x1xf32> -> tensor<4x2x32xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x2xf32> -> tensor<16x64xf32>
  %w3 = tensor.expand_shape %wd [[0], [1, 2]] output_shape [16, 2, 32] : tensor<16x64xf32> into tensor<16x2x32xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k1, k2) -> (m, k1, k2)>, affine_map<(m, n, k1, k2) -> (n, k1, k2)>, affine_map<(m, n, k1, k2) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
       ins(%xd, %w3 : tensor<4x2x32xf32>, tensor<16x2x32xf32>) outs(%init : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Blocks of 4 on C = 12 cannot be described after expanding C to [2, 6].
func.func @untraceable_reshape(%xq: tensor<4x12xi8>, %xs: tensor<1x3xf32>, %wq: tensor<16x2x6xi8>, %ws: tensor<16x1x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x12xi8>, tensor<1x3xf32> -> tensor<4x12xf32>
  %x3 = tensor.expand_shape %xd [[0], [1, 2]] output_shape [4, 2, 6] : tensor<4x12xf32> into tensor<4x2x6xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x2x6xi8>, tensor<16x1x1xf32> -> tensor<16x2x6xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) is quantized, but its scale cannot be followed through the reshapes or pads}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k1, k2) -> (m, k1, k2)>, affine_map<(m, n, k1, k2) -> (n, k1, k2)>, affine_map<(m, n, k1, k2) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
       ins(%x3, %wd : tensor<4x2x6xf32>, tensor<16x2x6xf32>) outs(%init : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// SmoothQuant form: smoothing before quantization leaves a per-token scale.
// CHECK-LABEL: func.func @smooth_then_quantize
// CHECK: linalg.matmul {quantc.gemm = "int8"}
func.func @smooth_then_quantize(%x: tensor<4x64xf32>, %f: tensor<1x64xf32>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xsm = quantc.smooth %x, %f : tensor<4x64xf32>, tensor<1x64xf32> -> tensor<4x64xf32>
  %xq = quantc.quantize %xsm, %xs : tensor<4x64xf32>, tensor<4x1xf32> -> tensor<4x64xi8>
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Smoothing after dequantization divides the scale per channel: illegal.
func.func @dequantize_then_smooth(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %f: tensor<1x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %xsm = quantc.smooth %xd, %f : tensor<4x64xf32>, tensor<1x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-element scale 'tensor<4x1xf32>' that varies along reduction dimension 1}}
  %y = linalg.matmul ins(%xsm, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Per-channel activation scale, plain matmul.
// WARN-LABEL: func.func @per_channel_activation
// WARN: linalg.matmul {quantc.gemm = "illegal"}
func.func @per_channel_activation(%xq: tensor<4x64xi8>, %xs: tensor<1x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<1x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x64xf32>' that varies along reduction dimension 1 (size 64): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; migrate the per-channel factor into the weights with --quantc-smoothquant, or quantize the activation per token (a scale varying along dimension 0 only)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Per-channel activation scale, transposed-B matmul.
func.func @tb_per_channel_activation(%xq: tensor<4x64xi8>, %xs: tensor<1x64xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<1x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x1xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x64xf32>' that varies along reduction dimension 1 (size 64)}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Per-input-channel weight scale, plain matmul ([C, D] weight, C is dim 0).
func.func @plain_per_input_channel_weight(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xi8>, %ws: tensor<64x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<64x1xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-input-channel scale 'tensor<64x1xf32>' that varies along reduction dimension 0 (size 64): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; quantize the weight per output channel (a scale varying along dimension 1 only) or per tensor}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Per-element scales on both operands: one error per operand.
func.func @per_element_both(%xq: tensor<4x64xi8>, %xs: tensor<4x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<64x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x64xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<64x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+2 {{operand #0 (activation) has a per-element scale 'tensor<4x64xf32>' that varies along reduction dimension 1}}
  // expected-error @+1 {{operand #1 (weight) has a per-element scale 'tensor<64x16xf32>' that varies along reduction dimension 0}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Batch matmul with a per-channel activation scale.
func.func @batch_per_channel(%xq: tensor<2x4x64xi8>, %xs: tensor<1x1x64xf32>, %wq: tensor<2x64x16xi8>, %ws: tensor<1x1x16xf32>) -> tensor<2x4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<2x4x64xi8>, tensor<1x1x64xf32> -> tensor<2x4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<2x64x16xi8>, tensor<1x1x16xf32> -> tensor<2x64x16xf32>
  %init = tensor.empty() : tensor<2x4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x1x64xf32>' that varies along reduction dimension 2 (size 64)}}
  %y = linalg.batch_matmul ins(%xd, %wd : tensor<2x4x64xf32>, tensor<2x64x16xf32>) outs(%init : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// A generic contraction whose activation is stored [C, N]: a [C, 1] scale is
// per channel, on dimension 0.
func.func @generic_per_channel(%xq: tensor<64x4xi8>, %xs: tensor<64x1xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<64x4xi8>, tensor<64x1xf32> -> tensor<64x4xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x1xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<64x1xf32>' that varies along reduction dimension 0 (size 64): it cannot be factored out of the sum over the reduction dimension, so no integer GEMM computes this product; migrate the per-channel factor into the weights with --quantc-smoothquant, or quantize the activation per token (a scale varying along dimension 1 only)}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%xd, %wd : tensor<64x4xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// quantc.matmul on an activation quantized per channel.
func.func @quantc_matmul_per_channel(%x: tensor<4x64xf32>, %xs: tensor<1x64xf32>, %w: tensor<16x64xf32>, %ws: tensor<16x1xf32>) -> tensor<4x16xi32> {
  %xq = quantc.quantize %x, %xs : tensor<4x64xf32>, tensor<1x64xf32> -> tensor<4x64xi8>
  %wq = quantc.quantize %w, %ws : tensor<16x64xf32>, tensor<16x1xf32> -> tensor<16x64xi8>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x64xf32>' that varies along reduction dimension 1 (size 64)}}
  %acc = quantc.matmul %xq, %wq : tensor<4x64xi8>, tensor<16x64xi8> -> tensor<4x16xi32>
  return %acc : tensor<4x16xi32>
}

// -----

// Dynamic reduction dimension: still rejected, the size is printed as '?'.
func.func @dynamic_per_channel(%xq: tensor<4x?xi8>, %xs: tensor<1x?xf32>, %wq: tensor<?x16xi8>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x?xi8>, tensor<1x?xf32> -> tensor<4x?xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<?x16xi8>, tensor<1x16xf32> -> tensor<?x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-channel scale 'tensor<1x?xf32>' that varies along reduction dimension 1 (size ?)}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x?xf32>, tensor<?x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Weight blocks of 32 along C (group-wise [D, C/32]): a K-blocked GEMM.
// CHECK-LABEL: func.func @weight_blocks_32
// CHECK: linalg.matmul
// CHECK-SAME: {quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 32 : i64}
// VNNI-LABEL: func.func @weight_blocks_32
// VNNI: quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 32 : i64
// KT64-LABEL: func.func @weight_blocks_32
// KT64: quantc.gemm = "illegal"
func.func @weight_blocks_32(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x2xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x2xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Activation blocks of 64 and weight blocks of 128 on a plain matmul: the
// GEMM's K block is the finer one, 64.
// CHECK-LABEL: func.func @both_blocks
// CHECK: linalg.matmul {quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 64 : i64}
// KT64-LABEL: func.func @both_blocks
// KT64: quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 64 : i64
func.func @both_blocks(%xq: tensor<4x256xi8>, %xs: tensor<4x4xf32>, %wq: tensor<256x16xi8>, %ws: tensor<2x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x256xi8>, tensor<4x4xf32> -> tensor<4x256xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<256x16xi8>, tensor<2x16xf32> -> tensor<256x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<4x256xf32>, tensor<256x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Blocks of 16: not a multiple of the generic/nvvm K tile (32), but of the
// VNNI one (4).
// WARN-LABEL: func.func @weight_blocks_16
// WARN: quantc.gemm = "illegal"
// VNNI-LABEL: func.func @weight_blocks_16
// VNNI: quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 16 : i64
func.func @weight_blocks_16(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x4xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x4xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) has a per-block(16) scale 'tensor<16x4xf32>' along reduction dimension 1: the block of 16 elements is not a multiple of the K tile 32 (target generic) of a K-blocked integer GEMM; use blocks of a multiple of 32 elements along the reduction dimension, or quantize the weight per output channel (a scale varying along dimension 0 only) or per tensor}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Activation blocks of 8 on a batch matmul.
func.func @batch_activation_blocks_8(%xq: tensor<2x4x64xi8>, %xs: tensor<2x4x8xf32>, %wq: tensor<2x64x16xi8>, %ws: tensor<1x1x1xf32>) -> tensor<2x4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<2x4x64xi8>, tensor<2x4x8xf32> -> tensor<2x4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<2x64x16xi8>, tensor<1x1x1xf32> -> tensor<2x64x16xf32>
  %init = tensor.empty() : tensor<2x4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has a per-block(8) scale 'tensor<2x4x8xf32>' along reduction dimension 2: the block of 8 elements is not a multiple of the K tile 32}}
  %y = linalg.batch_matmul ins(%xd, %wd : tensor<2x4x64xf32>, tensor<2x64x16xf32>) outs(%init : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// Block scales along K, but the operands order their two reduction
// dimensions differently ([N, K1, K2] vs [D, K2, K1]).
func.func @k_layout_mismatch(%xq: tensor<4x2x64xi8>, %xs: tensor<4x2x1xf32>, %wq: tensor<16x64x2xi8>, %ws: tensor<16x1x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x2x64xi8>, tensor<4x2x1xf32> -> tensor<4x2x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64x2xi8>, tensor<16x1x1xf32> -> tensor<16x64x2xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #0 (activation) has block scales (K block 64) along the reduction dimensions, but the activation and the weight lay out their reduction dimensions in different orders}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k1, k2) -> (m, k1, k2)>, affine_map<(m, n, k1, k2) -> (n, k2, k1)>, affine_map<(m, n, k1, k2) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
       ins(%xd, %wd : tensor<4x2x64xf32>, tensor<16x64x2xf32>) outs(%init : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// W8A16: float activation x int8 weight with any granularity, even per
// input channel: dequantized on load.
// CHECK-LABEL: func.func @weight_only_w8a16
// CHECK: linalg.matmul {quantc.gemm = "dequant-on-load"}
func.func @weight_only_w8a16(%x: tensor<4x64xf32>, %wq: tensor<64x16xi8>, %ws: tensor<64x1xf32>) -> tensor<4x16xf32> {
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi8>, tensor<64x1xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.matmul ins(%x, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// W4A16 with blocks of 16 (not a multiple of the K tile): still fine, the
// GEMM runs in float.
// CHECK-LABEL: func.func @weight_only_w4a16_blocks
// CHECK: linalg.matmul
// CHECK-SAME: {quantc.gemm = "dequant-on-load"}
func.func @weight_only_w4a16_blocks(%x: tensor<4x64xf16>, %wq: tensor<16x64xi4>, %ws: tensor<16x4xf16>) -> tensor<4x16xf16> {
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi4>, tensor<16x4xf16> -> tensor<16x64xf16>
  %init = tensor.empty() : tensor<4x16xf16>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %wd : tensor<4x64xf16>, tensor<16x64xf16>) outs(%init : tensor<4x16xf16>) -> tensor<4x16xf16>
  return %y : tensor<4x16xf16>
}

// -----

// int8 activation x float weight: rejected.
// WARN-LABEL: func.func @int8_activation_float_weight
// WARN: linalg.matmul {quantc.gemm = "illegal"}
func.func @int8_activation_float_weight(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %w: tensor<64x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) is float ('f32') while operand #0 (activation) is int8: no target has a mixed int8 x float GEMM; quantize the weight too (per output channel), or keep the activation in float (weight-only quantization)}}
  %y = linalg.matmul ins(%xd, %w : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A weight dequantized from 16-bit storage is no int8 operand either.
func.func @int8_activation_int16_weight(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<64x16xi16>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<64x16xi16>, tensor<1x16xf32> -> tensor<64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  // expected-error @+1 {{operand #1 (weight) is 'f32' dequantized from 'i16' while operand #0 (activation) is int8}}
  %y = linalg.matmul ins(%xd, %wd : tensor<4x64xf32>, tensor<64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// int32 overflow: 133145 x 127 x 127 >= 2^31 with the [-127, 127] range of
// the quantize producers.
// WARN-LABEL: func.func @overflow
// WARN: quantc.gemm = "int8", quantc.gemm_k_split = 133120 : i64
// VNNI-LABEL: func.func @overflow
// VNNI: quantc.gemm = "int8", quantc.gemm_k_split = 133144 : i64
func.func @overflow(%x: tensor<1x133145xf32>, %xs: tensor<1x1xf32>, %w: tensor<2x133145xf32>, %ws: tensor<2x1xf32>) -> tensor<1x2xi32> {
  %xq = quantc.quantize %x, %xs : tensor<1x133145xf32>, tensor<1x1xf32> -> tensor<1x133145xi8>
  %wq = quantc.quantize %w, %ws : tensor<2x133145xf32>, tensor<2x1xf32> -> tensor<2x133145xi8>
  // expected-error @+1 {{int32 accumulator can overflow: the reduction dimension of 133145 elements x |qmax| 127 (activation) x |qmax| 127 (weight) = 2147495705 >= 2^31; split the reduction dimension into 2 chunks of at most 133120 elements, accumulate each in int32 and sum the partial results in float}}
  %acc = quantc.matmul %xq, %wq : tensor<1x133145xi8>, tensor<2x133145xi8> -> tensor<1x2xi32>
  return %acc : tensor<1x2xi32>
}

// -----

// One element less does not overflow.
// CHECK-LABEL: func.func @no_overflow
// CHECK: quantc.matmul
// CHECK-SAME: {quantc.gemm = "int8"}
// CHECK-NOT: quantc.gemm_k_split
func.func @no_overflow(%x: tensor<1x133144xf32>, %xs: tensor<1x1xf32>, %w: tensor<2x133144xf32>, %ws: tensor<2x1xf32>) -> tensor<1x2xi32> {
  %xq = quantc.quantize %x, %xs : tensor<1x133144xf32>, tensor<1x1xf32> -> tensor<1x133144xi8>
  %wq = quantc.quantize %w, %ws : tensor<2x133144xf32>, tensor<2x1xf32> -> tensor<2x133144xi8>
  %acc = quantc.matmul %xq, %wq : tensor<1x133144xi8>, tensor<2x133144xi8> -> tensor<1x2xi32>
  return %acc : tensor<1x2xi32>
}

// -----

// Without a quantize producer an i8 may hold -128: 131072 x 128 x 128 = 2^31.
func.func @overflow_full_i8_range(%xq: tensor<1x131072xi8>, %xs: tensor<1x1xf32>, %wq: tensor<131072x2xi8>, %ws: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<1x131072xi8>, tensor<1x1xf32> -> tensor<1x131072xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<131072x2xi8>, tensor<1x2xf32> -> tensor<131072x2xf32>
  %init = tensor.empty() : tensor<1x2xf32>
  // expected-error @+1 {{the reduction dimension of 131072 elements x |qmax| 128 (activation) x |qmax| 128 (weight) = 2147483648 >= 2^31; split the reduction dimension into 2 chunks of at most 131040 elements}}
  %y = linalg.matmul ins(%xd, %wd : tensor<1x131072xf32>, tensor<131072x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// linalg.batch_reduce_matmul reduces over the batch loop too: an activation
// scale that varies per batch element (and per token) splits the reduction
// into K blocks of one batch element (64 channels) each.
// CHECK-LABEL: func.func @batch_reduce_per_batch
// CHECK: linalg.batch_reduce_matmul {quantc.gemm = "int8-kblocked", quantc.gemm_k_block = 64 : i64}
func.func @batch_reduce_per_batch(%xq: tensor<2x4x64xi8>, %xs: tensor<2x4x1xf32>, %wq: tensor<2x64x16xi8>, %ws: tensor<1x1x16xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<2x4x64xi8>, tensor<2x4x1xf32> -> tensor<2x4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<2x64x16xi8>, tensor<1x1x16xf32> -> tensor<2x64x16xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.batch_reduce_matmul ins(%xd, %wd : tensor<2x4x64xf32>, tensor<2x64x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// linalg.contract, transposed-B maps: per-token x per-output-channel.
// CHECK-LABEL: func.func @contract_transposed_b
// CHECK: linalg.contract
// CHECK-SAME: {quantc.gemm = "int8"}
func.func @contract_transposed_b(%xq: tensor<4x64xi8>, %xs: tensor<4x1xf32>, %wq: tensor<16x64xi8>, %ws: tensor<16x1xf32>) -> tensor<4x16xf32> {
  %xd = quantc.dequantize %xq, %xs : tensor<4x64xi8>, tensor<4x1xf32> -> tensor<4x64xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<16x64xi8>, tensor<16x1xf32> -> tensor<16x64xf32>
  %init = tensor.empty() : tensor<4x16xf32>
  %y = linalg.contract indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%xd, %wd : tensor<4x64xf32>, tensor<16x64xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
