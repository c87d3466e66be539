// RUN: quantc-opt %s --quantc-import-quant -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-import-quant --canonicalize -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=CANON

// u8 storage (ONNX / TFLite asymmetric activations): a stored byte q of
// [0, 255] with zero point z is the i8 value q - 128 = q xor 0x80 with zero
// point z - 128. The bytes in memory stay u8: the qcast ends with the xor,
// the dcast starts with it.
// CHECK-LABEL: func.func @qdq
// CHECK-SAME: (%[[X:.+]]: tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[S:.+]] = arith.constant dense<5.000000e-02> : tensor<1x1xf32>
// CHECK: %[[Z:.+]] = arith.constant dense<-28> : tensor<1x1xi32>
// CHECK: %[[Q:.+]] = quantc.quantize %[[X]], %[[S]] zero_point %[[Z]] {qmax = 127 : i64, qmin = -128 : i64}
// CHECK: %[[B:.+]] = arith.constant dense<-128> : tensor<2x4xi8>
// CHECK: %[[U:.+]] = arith.xori %[[Q]], %[[B]] : tensor<2x4xi8>
// CHECK: %[[B2:.+]] = arith.constant dense<-128> : tensor<2x4xi8>
// CHECK: %[[I:.+]] = arith.xori %[[U]], %[[B2]] : tensor<2x4xi8>
// CHECK: quantc.dequantize %[[I]], %{{.+}} zero_point %{{.+}} : tensor<2x4xi8>, tensor<1x1xf32>, tensor<1x1xi32> -> tensor<2x4xf32>
// The two xors cancel.
// CANON-LABEL: func.func @qdq
// CANON-NOT: arith.xori
// CANON: %[[Q:.+]] = quantc.quantize
// CANON: quantc.dequantize %[[Q]]
func.func @qdq(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32, 0.05:100>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<u8:f32, 0.05:100>> to tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

// u8 bytes from the caller (a function argument; scast from the raw i8
// bytes), zero point 128: symmetric once shifted, no zero-point operand.
// CHECK-LABEL: func.func @argument
// CHECK-SAME: (%[[A:.+]]: tensor<3x5xi8>, %[[R:.+]]: tensor<3x5xi8>)
// CHECK: %[[B:.+]] = arith.constant dense<-128> : tensor<3x5xi8>
// CHECK: %[[I:.+]] = arith.xori %[[A]], %[[B]] : tensor<3x5xi8>
// CHECK: quantc.dequantize %[[I]], %{{.+}} : tensor<3x5xi8>, tensor<1x1xf32> -> tensor<3x5xf32>
// CHECK: %[[I2:.+]] = arith.xori %[[R]], %{{.+}} : tensor<3x5xi8>
// CHECK: quantc.dequantize %[[I2]], %{{.+}} zero_point %{{.+}} : tensor<3x5xi8>, tensor<1x1xf32>, tensor<1x1xi32> -> tensor<3x5xf32>
func.func @argument(%a: tensor<3x5x!quant.uniform<u8:f32, 0.5:128>>, %raw: tensor<3x5xi8>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  %d = quant.dcast %a : tensor<3x5x!quant.uniform<u8:f32, 0.5:128>> to tensor<3x5xf32>
  %q = quant.scast %raw : tensor<3x5xi8> to tensor<3x5x!quant.uniform<u8:f32, 0.25:0>>
  %d2 = quant.dcast %q : tensor<3x5x!quant.uniform<u8:f32, 0.25:0>> to tensor<3x5xf32>
  return %d, %d2 : tensor<3x5xf32>, tensor<3x5xf32>
}

// -----

// A dynamic token count: the xor's constant is a tensor.splat of the sizes.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[N:.+]] = tensor.dim %arg0, %c0
// CHECK: %[[B:.+]] = tensor.splat %{{.+}}[%[[N]]] : tensor<?x8xi8>
// CHECK: arith.xori %arg0, %[[B]] : tensor<?x8xi8>
func.func @dynamic(%a: tensor<?x8x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<?x8xf32> {
  %d = quant.dcast %a : tensor<?x8x!quant.uniform<u8:f32, 0.5:3>> to tensor<?x8xf32>
  return %d : tensor<?x8xf32>
}

// -----

// Per-axis u8 weights with a zero point per channel.
// CHECK-LABEL: func.func @per_axis
// CHECK: %[[Z:.+]] = arith.constant dense<{{\[}}[-128], [0], [127]]> : tensor<3x1xi32>
// CHECK: quantc.dequantize %{{.+}}, %{{.+}} zero_point %[[Z]]
func.func @per_axis(%w: tensor<3x4xi8>) -> tensor<3x4xf32> {
  %q = quant.scast %w : tensor<3x4xi8> to tensor<3x4x!quant.uniform<u8:f32:0, {0.5:0, 0.25:128, 1.0:255}>>
  %d = quant.dcast %q : tensor<3x4x!quant.uniform<u8:f32:0, {0.5:0, 0.25:128, 1.0:255}>> to tensor<3x4xf32>
  return %d : tensor<3x4xf32>
}

// -----

// A u8 zero point outside [0, 255] is an error (the upstream parser takes
// it).
func.func @bad_zero_point(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{zero point 256 of '!quant.uniform<u8:f32, 2.500000e-01:256>' is outside its storage range [0, 255]}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.25:256>>
  // expected-error @+1 {{zero point 256}}
  %d = quant.dcast %q : tensor<4x!quant.uniform<u8:f32, 0.25:256>> to tensor<4xf32>
  return %d : tensor<4xf32>
}
