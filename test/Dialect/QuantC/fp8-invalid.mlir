// RUN: quantc-opt %s -split-input-file -verify-diagnostics

func.func @mixed(%a: tensor<4x32xf8E4M3FN>, %b: tensor<16x32xi8>) -> tensor<4x16xf32> {
  // expected-error @+1 {{operands must both be integers or both FP8 (f8E4M3FN), got 'f8E4M3FN' and 'i8'}}
  %0 = quantc.matmul %a, %b : tensor<4x32xf8E4M3FN>, tensor<16x32xi8> -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @fp8_i32_result(%a: tensor<4x32xf8E4M3FN>, %b: tensor<16x32xf8E4M3FN>) -> tensor<4x16xi32> {
  // expected-error @+1 {{an FP8 (f8E4M3FN) GEMM accumulates in f32: the result must be f32, got 'i32'}}
  %0 = quantc.matmul %a, %b : tensor<4x32xf8E4M3FN>, tensor<16x32xf8E4M3FN> -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

func.func @int_f32_result(%a: tensor<4x32xi8>, %b: tensor<16x32xi8>) -> tensor<4x16xf32> {
  // expected-error @+1 {{an integer GEMM accumulates in i32: the result must be i32, got 'f32'}}
  %0 = quantc.matmul %a, %b : tensor<4x32xi8>, tensor<16x32xi8> -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @fp8_zero_point(%a: tensor<4x32xf8E4M3FN>, %b: tensor<16x32xf8E4M3FN>, %z: tensor<4x1xi32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{an FP8 (f8E4M3FN) GEMM takes no zero points}}
  %0 = quantc.matmul %a, %b lhs_zero_point(%z : tensor<4x1xi32>) : tensor<4x32xf8E4M3FN>, tensor<16x32xf8E4M3FN> -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @quantize_qmax(%x: tensor<4x32xf32>, %s: tensor<4x1xf32>) -> tensor<4x32xf8E4M3FN> {
  // expected-error @+1 {{FP8 (f8E4M3FN) storage takes no zero_point, qmin or qmax: it saturates at +-448}}
  %0 = quantc.quantize %x, %s {qmax = 100 : i64} : tensor<4x32xf32>, tensor<4x1xf32> -> tensor<4x32xf8E4M3FN>
  return %0 : tensor<4x32xf8E4M3FN>
}

// -----

func.func @dequantize_zp(%q: tensor<4x32xf8E4M3FN>, %s: tensor<4x1xf32>, %z: tensor<4x1xi8>) -> tensor<4x32xf32> {
  // expected-error @+1 {{FP8 (f8E4M3FN) storage takes no zero_point}}
  %0 = quantc.dequantize %q, %s zero_point %z : tensor<4x32xf8E4M3FN>, tensor<4x1xf32>, tensor<4x1xi8> -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @other_f8(%x: tensor<4x32xf32>, %s: tensor<4x1xf32>) -> tensor<4x32xf8E5M2> {
  // expected-error @+1 {{result #0 must be ranked tensor of signless integer or f8E4M3FN type values}}
  %0 = quantc.quantize %x, %s : tensor<4x32xf32>, tensor<4x1xf32> -> tensor<4x32xf8E5M2>
  return %0 : tensor<4x32xf8E5M2>
}
