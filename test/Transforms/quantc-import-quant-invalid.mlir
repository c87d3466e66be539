// RUN: quantc-opt %s --quantc-import-quant -split-input-file -verify-diagnostics

// u8 imports (quantc-import-quant-u8.mlir); other unsigned widths do not.
func.func @unsigned(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{unsigned storage type in '!quant.uniform<u16:f32, 2.500000e-01:128>' is not supported; use signed storage with a zero point (i8; or i4 for 4-bit weights}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<u16:f32, 0.25:128>>
  // expected-error @+1 {{unsigned storage type in '!quant.uniform<u16:f32, 2.500000e-01:128>' is not supported; use signed storage with a zero point (i8; or i4 for 4-bit weights}}
  %d = quant.dcast %q : tensor<4x!quant.uniform<u16:f32, 0.25:128>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @dynamic_block(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{sub-channel quantization along dimension 1 of}}
  %q = quant.qcast %x : tensor<4x?xf32> to tensor<4x?x!quant.uniform<i8:f32:{1:2}, {{0.5, 0.25}}>>
  // expected-error @+1 {{sub-channel quantization along dimension 1 of}}
  %d = quant.dcast %q : tensor<4x?x!quant.uniform<i8:f32:{1:2}, {{0.5, 0.25}}>> to tensor<4x?xf32>
  return %d : tensor<4x?xf32>
}

// -----

func.func @scalar(%x: f32) -> f32 {
  // expected-error @+1 {{only ranked tensors of quantized types are supported, got '!quant.uniform<i8:f32, 2.500000e-01>'}}
  %q = quant.qcast %x : f32 to !quant.uniform<i8:f32, 0.25>
  // expected-error @+1 {{only ranked tensors of quantized types are supported, got '!quant.uniform<i8:f32, 2.500000e-01>'}}
  %d = quant.dcast %q : !quant.uniform<i8:f32, 0.25> to f32
  return %d : f32
}

// -----

func.func @f64_expressed(%x: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{expressed type must be f16, bf16 or f32, got 'f64'}}
  %q = quant.qcast %x : tensor<4xf64> to tensor<4x!quant.uniform<i8:f64, 0.25>>
  // expected-error @+1 {{expressed type must be f16, bf16 or f32, got 'f64'}}
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f64, 0.25>> to tensor<4xf64>
  return %d : tensor<4xf64>
}
