// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics -o /dev/null

// The int32 overflow warning comes from the GEMM analysis (classifyGemm): the
// bound is K * max|x| * max|w| with the value ranges of the quantization
// behind the operands, else of their storage type.

// Plain i8 arguments: [-128, 127], so 131072 * 128 * 128 reaches 2^31.
func.func @storage_range(%x: tensor<16x131072xi8>, %w: tensor<64x131072xi8>) -> tensor<16x64xi32> {
  // expected-warning @+1 {{int32 accumulators may overflow: K = 131072 and K * 128 * 128 >= 2^31 (the MMA saturates); K chunks of at most 131040 cannot overflow}}
  %acc = quantc.matmul %x, %w : tensor<16x131072xi8>, tensor<64x131072xi8> -> tensor<16x64xi32>
  return %acc : tensor<16x64xi32>
}

// -----

// Quantized to the narrow range [-127, 127]: the same K cannot overflow.
func.func @narrow_range(%x: tensor<16x131072xf32>, %w: tensor<64x131072xf32>, %s: tensor<1x1xf32>) -> tensor<16x64xi32> {
  %xq = quantc.quantize %x, %s : tensor<16x131072xf32>, tensor<1x1xf32> -> tensor<16x131072xi8>
  %wq = quantc.quantize %w, %s : tensor<64x131072xf32>, tensor<1x1xf32> -> tensor<64x131072xi8>
  %acc = quantc.matmul %xq, %wq : tensor<16x131072xi8>, tensor<64x131072xi8> -> tensor<16x64xi32>
  return %acc : tensor<16x64xi32>
}

// -----

func.func @narrow_range_long(%x: tensor<16x133152xf32>, %w: tensor<64x133152xf32>, %s: tensor<1x1xf32>) -> tensor<16x64xi32> {
  %xq = quantc.quantize %x, %s : tensor<16x133152xf32>, tensor<1x1xf32> -> tensor<16x133152xi8>
  %wq = quantc.quantize %w, %s : tensor<64x133152xf32>, tensor<1x1xf32> -> tensor<64x133152xi8>
  // expected-warning @+2 {{int32 accumulators may overflow: K = 133152 and K * 127 * 127 >= 2^31}}
  // expected-remark @+1 {{not on the split-K decode kernel: the reduction dimension (133152) is not a multiple of 256 (its K step)}}
  %acc = quantc.matmul %xq, %wq : tensor<16x133152xi8>, tensor<64x133152xi8> -> tensor<16x64xi32>
  return %acc : tensor<16x64xi32>
}
