// Sizes whose products overflow int64 print in floating point; byte counts
// saturate at 2^64-1 instead of wrapping. Quantized and complex element types
// are counted by their storage size.
// RUN: quantc-opt %s --quantc-report-cost=target=h100 -split-input-file -verify-diagnostics -mlir-print-op-on-diagnostic=false -o /dev/null

// expected-remark @below {{quantc cost: function @huge moves 18446744073709551615 bytes between ops (18446744073709551615 read, 18446744073709551615 written, 18446744073709551615 of them float results) in 1 kernels}}
func.func @huge(%x: tensor<9223372036854775807x9223372036854775807xf32>, %w: tensor<9223372036854775807x16xf32>, %z: tensor<9223372036854775807x16xf32>) -> tensor<9223372036854775807x16xf32> {
  // expected-remark @below {{quantc cost: linalg.matmul N=9.223e+18 C=9.223e+18 D=16}}
  // expected-note @below {{FP16:}}
  // expected-note @below {{W8A8 (FP16 I/O):}}
  // expected-note @below {{W8A16:}}
  // expected-note @below {{W4A16:}}
  // expected-note @below {{fused int8 I/O:}}
  // expected-note @below {{roofline h100}}
  %y = linalg.matmul ins(%x, %w : tensor<9223372036854775807x9223372036854775807xf32>, tensor<9223372036854775807x16xf32>) outs(%z : tensor<9223372036854775807x16xf32>) -> tensor<9223372036854775807x16xf32>
  return %y : tensor<9223372036854775807x16xf32>
}

// -----

// qcast reads 4x8 f32 (128 B) and writes 4x8 i8 (32 B); dcast the reverse.
// expected-remark @below {{quantc cost: function @quant_types moves 320 bytes between ops (160 read, 160 written, 128 of them float results) in 2 kernels}}
func.func @quant_types(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %q = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<4x8x!quant.uniform<i8:f32, 0.25>> to tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// complex<f32> is 8 bytes: 4x8 + 8x16 + 4x16 elements read (the init is
// accumulated into), 4x16 written.
// expected-remark @below {{quantc cost: function @complex moves 2304 bytes between ops (1792 read, 512 written, 0 of them float results) in 1 kernels}}
func.func @complex(%x: tensor<4x8xcomplex<f32>>, %w: tensor<8x16xcomplex<f32>>, %z: tensor<4x16xcomplex<f32>>) -> tensor<4x16xcomplex<f32>> {
  // expected-remark @below {{quantc cost: linalg.matmul N=4 C=8 D=16}}
  // expected-note @below {{FP16:}}
  // expected-note @below {{W8A8 (FP16 I/O):}}
  // expected-note @below {{W8A16:}}
  // expected-note @below {{W4A16:}}
  // expected-note @below {{fused int8 I/O:}}
  // expected-note @below {{roofline h100}}
  %y = linalg.matmul ins(%x, %w : tensor<4x8xcomplex<f32>>, tensor<8x16xcomplex<f32>>) outs(%z : tensor<4x16xcomplex<f32>>) -> tensor<4x16xcomplex<f32>>
  return %y : tensor<4x16xcomplex<f32>>
}
