// RUN: quantc-opt %s -split-input-file -verify-diagnostics

func.func @float_storage(%x: tensor<4xf32>, %s: tensor<1xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{result #0 must be ranked tensor of signless integer or f8E4M3FN type values}}
  %q = "quantc.quantize"(%x, %s) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %q : tensor<4xf32>
}

// -----

func.func @int_scale(%x: tensor<4xf32>, %s: tensor<1xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{operand #1 must be ranked tensor of floating-point values}}
  %q = "quantc.quantize"(%x, %s) : (tensor<4xf32>, tensor<1xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @scale_rank(%x: tensor<4x8xf32>, %s: tensor<8xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{scale must have the rank of the data (2), got rank 1}}
  %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>
  return %q : tensor<4x8xi8>
}

// -----

func.func @scale_not_divisor(%x: tensor<4x8xf32>, %s: tensor<1x3xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{scale dimension 1 has size 3, which neither is 1 nor divides the data dimension of size 8}}
  %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<1x3xf32> -> tensor<4x8xi8>
  return %q : tensor<4x8xi8>
}

// -----

func.func @scale_dynamic(%x: tensor<?x8xf32>, %s: tensor<4x1xf32>) -> tensor<?x8xi8> {
  // expected-error @+1 {{scale dimension 0 must be 1 or match the data dimension, which is dynamic}}
  %q = quantc.quantize %x, %s : tensor<?x8xf32>, tensor<4x1xf32> -> tensor<?x8xi8>
  return %q : tensor<?x8xi8>
}

// -----

func.func @shape_mismatch(%x: tensor<4x8xf32>, %s: tensor<1x1xf32>) -> tensor<8x4xi8> {
  // expected-error @+1 {{result shape must equal the input shape}}
  %q = quantc.quantize %x, %s : tensor<4x8xf32>, tensor<1x1xf32> -> tensor<8x4xi8>
  return %q : tensor<8x4xi8>
}

// -----

func.func @zero_scale(%x: tensor<4xf32>) -> tensor<4xi8> {
  %s = arith.constant dense<0.0> : tensor<1xf32>
  // expected-error @+1 {{scale must be finite and positive, but element 0 is 0}}
  %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @negative_scale(%q: tensor<4xi8>) -> tensor<4xf32> {
  %s = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  // expected-error @+1 {{scale must be finite and positive, but element 1 is -2}}
  %x = quantc.dequantize %q, %s : tensor<4xi8>, tensor<2xf32> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @nan_scale(%x: tensor<4xf32>) -> tensor<4xi8> {
  %s = arith.constant dense<0x7FC00000> : tensor<1xf32>
  // expected-error @+1 {{scale must be finite and positive, but element 0 is nan}}
  %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @inf_scale(%x: tensor<4xf32>) -> tensor<4xi8> {
  %s = arith.constant dense<0x7F800000> : tensor<1xf32>
  // expected-error @+1 {{scale must be finite and positive, but element 0 is INF}}
  %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @range_too_wide(%x: tensor<4xf32>, %s: tensor<1xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{clamp range [-129, 127] does not fit the storage type 'i8'}}
  %q = quantc.quantize %x, %s {qmin = -129 : i64} : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @range_empty(%x: tensor<4xf32>, %s: tensor<1xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{qmin (5) must be smaller than qmax (5)}}
  %q = quantc.quantize %x, %s {qmin = 5 : i64, qmax = 5 : i64} : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @wide_storage(%x: tensor<4xf32>, %s: tensor<1xf32>) -> tensor<4xi64> {
  // expected-error @+1 {{storage type must be a 2- to 32-bit integer, got 'i64'}}
  %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi64>
  return %q : tensor<4xi64>
}

// -----

func.func @zp_shape(%x: tensor<4x8xf32>, %s: tensor<1x8xf32>, %zp: tensor<1x1xi32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{zero_point must have the shape of the scale}}
  %q = quantc.quantize %x, %s zero_point %zp : tensor<4x8xf32>, tensor<1x8xf32>, tensor<1x1xi32> -> tensor<4x8xi8>
  return %q : tensor<4x8xi8>
}

// -----

func.func @dequant_shape(%q: tensor<4x8xi8>, %s: tensor<1x1xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{result shape must equal the input shape}}
  %x = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<1x1xf32> -> tensor<4x4xf32>
  return %x : tensor<4x4xf32>
}

// -----

func.func @dequant_i64(%q: tensor<4xi64>, %s: tensor<1xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{input must be an integer of at most 32 bits, got 'i64'}}
  %x = quantc.dequantize %q, %s : tensor<4xi64>, tensor<1xf32> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @dequant_scale_shape(%q: tensor<4x8xi8>, %s: tensor<3x1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{scale dimension 0 has size 3, which neither is 1 nor divides the data dimension of size 4}}
  %x = quantc.dequantize %q, %s : tensor<4x8xi8>, tensor<3x1xf32> -> tensor<4x8xf32>
  return %x : tensor<4x8xf32>
}

// -----

func.func @cs_rank(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{result must have the rank of the input}}
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

func.func @cs_dim_range(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{reduction dimension 2 is out of range for rank 2}}
  %s = quantc.compute_scale %x {dims = array<i64: 2>} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

func.func @cs_dim_repeat(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{reduction dimension 1 is repeated}}
  %s = quantc.compute_scale %x {dims = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

func.func @cs_shape(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{result dimension 1 must be 1 (reduced)}}
  %s = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

func.func @cs_qmax(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{qmax must be positive}}
  %s = quantc.compute_scale %x {dims = array<i64: 1>, qmax = 0 : i64} : tensor<4x8xf32> -> tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

// 100000 rounds to infinity in f16 (every scale would be 0); 65504 is valid.
func.func @cs_qmax_f16(%x: tensor<4x8xf16>) -> (tensor<4x1xf16>, tensor<4x1xf16>) {
  %ok = quantc.compute_scale %x {dims = array<i64: 1>, qmax = 65504 : i64} : tensor<4x8xf16> -> tensor<4x1xf16>
  // expected-error @+1 {{qmax (100000) is not finite in 'f16' (the largest is 65504): every scale would be 0}}
  %s = quantc.compute_scale %x {dims = array<i64: 1>, qmax = 100000 : i64} : tensor<4x8xf16> -> tensor<4x1xf16>
  return %ok, %s : tensor<4x1xf16>, tensor<4x1xf16>
}

// -----

func.func @mm_rank(%x: tensor<8xi8>, %w: tensor<8xi8>) -> tensor<1xi32> {
  // expected-error @+1 {{lhs and result must have the same rank >= 2, and the rhs that rank or rank 2 (broadcast over the batch); got ranks 1, 1 -> 1}}
  %y = quantc.matmul %x, %w : tensor<8xi8>, tensor<8xi8> -> tensor<1xi32>
  return %y : tensor<1xi32>
}

// -----

func.func @mm_k(%x: tensor<4x8xi8>, %w: tensor<16x4xi8>) -> tensor<4x16xi32> {
  // expected-error @+1 {{reduction dimension mismatch: lhs has 8 and rhs has 4 (lhs [N, C], rhs [D, C], transposed)}}
  %y = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x4xi8> -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}

// -----

func.func @mm_k_transposed(%x: tensor<8x4xi8>, %w: tensor<16x8xi8>) -> tensor<4x8xi32> {
  // expected-error @+1 {{reduction dimension mismatch: lhs has 8 and rhs has 16 (lhs [C, N], rhs [C, D] (transpose_rhs))}}
  %y = quantc.matmul %x, %w {transpose_lhs, transpose_rhs} : tensor<8x4xi8>, tensor<16x8xi8> -> tensor<4x8xi32>
  return %y : tensor<4x8xi32>
}

// -----

func.func @mm_rhs_rank(%x: tensor<2x4x8xi8>, %w: tensor<1x2x16x8xi8>) -> tensor<2x4x16xi32> {
  // expected-error @+1 {{got ranks 3, 4 -> 3}}
  %y = quantc.matmul %x, %w : tensor<2x4x8xi8>, tensor<1x2x16x8xi8> -> tensor<2x4x16xi32>
  return %y : tensor<2x4x16xi32>
}

// -----

func.func @mm_batch(%x: tensor<2x4x8xi8>, %w: tensor<3x16x8xi8>) -> tensor<2x4x16xi32> {
  // expected-error @+1 {{batch dimension 0 does not match}}
  %y = quantc.matmul %x, %w : tensor<2x4x8xi8>, tensor<3x16x8xi8> -> tensor<2x4x16xi32>
  return %y : tensor<2x4x16xi32>
}

// -----

func.func @mm_result_transposed(%x: tensor<2x8x4xi8>, %w: tensor<8x16xi8>) -> tensor<2x8x16xi32> {
  // expected-error @+1 {{result shape must be [..., N, D]}}
  %y = quantc.matmul %x, %w {transpose_lhs, transpose_rhs} : tensor<2x8x4xi8>, tensor<8x16xi8> -> tensor<2x8x16xi32>
  return %y : tensor<2x8x16xi32>
}

// -----

func.func @mm_result(%x: tensor<4x8xi8>, %w: tensor<16x8xi8>) -> tensor<16x4xi32> {
  // expected-error @+1 {{result shape must be [..., N, D]}}
  %y = quantc.matmul %x, %w : tensor<4x8xi8>, tensor<16x8xi8> -> tensor<16x4xi32>
  return %y : tensor<16x4xi32>
}

// -----

func.func @mm_batch(%x: tensor<2x4x8xi8>, %w: tensor<3x16x8xi8>) -> tensor<2x4x16xi32> {
  // expected-error @+1 {{batch dimension 0 does not match}}
  %y = quantc.matmul %x, %w : tensor<2x4x8xi8>, tensor<3x16x8xi8> -> tensor<2x4x16xi32>
  return %y : tensor<2x4x16xi32>
}

// -----

func.func @mm_wide(%x: tensor<4x8xi32>, %w: tensor<16x8xi8>) -> tensor<4x16xi32> {
  // expected-error @+1 {{operands must be integers of at most 8 bits, got 'i32'}}
  %y = quantc.matmul %x, %w : tensor<4x8xi32>, tensor<16x8xi8> -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}

// -----

func.func @mm_float(%x: tensor<4x8xf32>, %w: tensor<16x8xi8>) -> tensor<4x16xi32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of signless integer or f8E4M3FN type values}}
  %y = "quantc.matmul"(%x, %w) <{operandSegmentSizes = array<i32: 1, 1, 0, 0>}> : (tensor<4x8xf32>, tensor<16x8xi8>) -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}

// -----

func.func @rs_xscale_cols(%a: tensor<4x16xi32>, %xs: tensor<1x16xf32>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{x_scale varies along the output-channel dimension; an activation scale may vary along the rows only}}
  %y = quantc.rescale %a, %xs, %ws : (tensor<4x16xi32>, tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @rs_wscale_rows(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<4x1xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{w_scale varies along the row dimension; a weight scale may vary along the output channels only}}
  %y = quantc.rescale %a, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @rs_rank(%a: tensor<16xi32>, %xs: tensor<1xf32>, %ws: tensor<16xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{accumulator must have rank >= 2 ([..., N, D])}}
  %y = quantc.rescale %a, %xs, %ws : (tensor<16xi32>, tensor<1xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

func.func @rs_shape(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{result shape must equal the accumulator shape}}
  %y = quantc.rescale %a, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @rs_bias(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>, %b: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{bias must vary along the last dimension only}}
  %y = quantc.rescale %a, %xs, %ws bias %b : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @rs_int_no_scale(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>) -> tensor<4x16xi8> {
  // expected-error @+1 {{an integer result needs an output_scale to requantize}}
  %y = quantc.rescale %a, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xi8>
  return %y : tensor<4x16xi8>
}

// -----

func.func @rs_float_with_scale(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>, %os: tensor<1x1xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{with output_scale the result must be an integer (requantized) type}}
  %y = quantc.rescale %a, %xs, %ws output_scale %os : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x1xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @rs_zero_wscale(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>) -> tensor<4x16xf32> {
  %ws = arith.constant dense<0.0> : tensor<1x16xf32>
  // expected-error @+1 {{w_scale must be finite and positive, but element 0 is 0}}
  %y = quantc.rescale %a, %xs, %ws : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @rs_bad_activation(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+2 {{expected ::quantc::Activation to be one of: none, relu, gelu}}
  // expected-error @+1 {{failed to parse QuantC_ActivationAttr parameter}}
  %y = quantc.rescale %a, %xs, %ws {activation = #quantc.activation<swish>} : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @smooth_rank(%x: tensor<4x8xf32>, %s: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{smoothing factor must have the rank of the input}}
  %y = quantc.smooth %x, %s : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @smooth_rows(%x: tensor<4x8xf32>, %s: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{smoothing factor must have size 1 in every dimension but the channel (last) one}}
  %y = quantc.smooth %x, %s : tensor<4x8xf32>, tensor<4x8xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @smooth_channels(%x: tensor<4x8xf32>, %s: tensor<1x4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{smoothing factor has 4 channels, the input has 8}}
  %y = quantc.smooth %x, %s : tensor<4x8xf32>, tensor<1x4xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @smooth_zero(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %s = arith.constant dense<[[1.0, 0.0]]> : tensor<1x2xf32>
  // expected-error @+1 {{smoothing factor must be finite and positive, but element 1 is 0}}
  %y = quantc.smooth %x, %s : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @observe_negative(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{absmax statistics must be finite and non-negative, but channel 1 is -1}}
  %y = quantc.observe %x {absmax = dense<[1.0, -1.0]> : tensor<2xf32>} : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @observe_nan(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{absmax statistics must be finite and non-negative, but channel 0 is nan}}
  %y = quantc.observe %x {absmax = dense<[0x7FC00000, 1.0]> : tensor<2xf32>} : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @observe_inf(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{absmax statistics must be finite and non-negative, but channel 1 is INF}}
  %y = quantc.observe %x {absmax = dense<[1.0, 0x7F800000]> : tensor<2xf32>} : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @observe_count(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{absmax must be a 1-D tensor with one value per channel (last dimension, size 2)}}
  %y = quantc.observe %x {absmax = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @observe_f64(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{attribute 'absmax' failed to satisfy constraint}}
  %y = "quantc.observe"(%x) {absmax = dense<[1.0, 2.0]> : tensor<2xf64>} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @rs_residual_shape(%a: tensor<4x16xi32>, %xs: tensor<4x1xf32>, %ws: tensor<1x16xf32>, %r: tensor<1x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{residual must have the accumulator's shape}}
  %y = quantc.rescale %a, %xs, %ws residual %r : (tensor<4x16xi32>, tensor<4x1xf32>, tensor<1x16xf32>, tensor<1x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A zero point outside the stored range: no stored value would mean 0.0
// (issue 15: 1000 on i8 dequantized every value to about -436).
func.func @dq_zero_point_range(%q: tensor<4xi8>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<1xf32>
  %z = arith.constant dense<1000> : tensor<1xi32>
  // expected-error @+1 {{zero_point element 0 is 1000, outside the range [-128, 127] of the quantized values}}
  %x = quantc.dequantize %q, %s zero_point %z : tensor<4xi8>, tensor<1xf32>, tensor<1xi32> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @q_zero_point_range(%x: tensor<4xf32>) -> tensor<4xi8> {
  %s = arith.constant dense<0.5> : tensor<1xf32>
  %z = arith.constant dense<[-128]> : tensor<1xi32>
  // expected-error @+1 {{zero_point element 0 is -128, outside the range [-127, 127] of the quantized values}}
  %q = quantc.quantize %x, %s zero_point %z : tensor<4xf32>, tensor<1xf32>, tensor<1xi32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// A dynamic size in a message is "?" (issue 15: -9223372036854775808).
func.func @observe_dynamic_channels(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{absmax must be a 1-D tensor with one value per channel (last dimension, size ?)}}
  %y = quantc.observe %x {absmax = dense<[1.0, 2.0]> : tensor<2xf32>} : tensor<4x?xf32>
  return %y : tensor<4x?xf32>
}

// -----

func.func @smooth_dynamic_channels(%x: tensor<4x?xf32>, %s: tensor<1x8xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{smoothing factor has 8 channels, the input has ?}}
  %y = quantc.smooth %x, %s : tensor<4x?xf32>, tensor<1x8xf32> -> tensor<4x?xf32>
  return %y : tensor<4x?xf32>
}

// -----

// A scale that leaves the data's float type (issue 14: truncated to inf or 0
// silently).
func.func @q_scale_overflows_f16(%x: tensor<4xf16>) -> tensor<4xi8> {
  %s = arith.constant dense<7.0e4> : tensor<1xf32>
  // expected-error @+1 {{scale element 0 is 7.000000e+04, which overflows to inf in 'f16', the type it is applied in}}
  %q = quantc.quantize %x, %s : tensor<4xf16>, tensor<1xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @dq_scale_underflows_f16(%q: tensor<4xi8>) -> tensor<4xf16> {
  %s = arith.constant dense<1.0e-10> : tensor<1xf32>
  // expected-error @+1 {{scale element 0 is 1.000000e-10, which underflows to 0 in 'f16'}}
  %x = quantc.dequantize %q, %s : tensor<4xi8>, tensor<1xf32> -> tensor<4xf16>
  return %x : tensor<4xf16>
}

// -----

func.func @smooth_factor_overflows_bf16(%x: tensor<4x2xbf16>) -> tensor<4x2xbf16> {
  %s = arith.constant dense<[[1.0, 1.0e39]]> : tensor<1x2xf64>
  // expected-error @+1 {{smoothing factor element 1 is 1.000000e+39, which overflows to inf in 'bf16'}}
  %y = quantc.smooth %x, %s : tensor<4x2xbf16>, tensor<1x2xf64> -> tensor<4x2xbf16>
  return %y : tensor<4x2xbf16>
}
