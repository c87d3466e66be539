// RUN: quantc-opt %s --quantc-import-quant -split-input-file | FileCheck %s

// Per-tensor: full i8 range [-128, 127] unless the type narrows it.
// CHECK-LABEL: func.func @per_tensor
// CHECK-SAME: (%[[X:.+]]: tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[S:.+]] = arith.constant dense<1.000000e-01> : tensor<1x1xf32>
// CHECK: %[[Q:.+]] = quantc.quantize %[[X]], %[[S]] {qmax = 127 : i64, qmin = -128 : i64} : tensor<2x4xf32>, tensor<1x1xf32> -> tensor<2x4xi8>
// CHECK: %[[S2:.+]] = arith.constant dense<1.000000e-01> : tensor<1x1xf32>
// CHECK: %[[D:.+]] = quantc.dequantize %[[Q]], %[[S2]] : tensor<2x4xi8>, tensor<1x1xf32> -> tensor<2x4xf32>
// CHECK: return %[[D]]
// CHECK-NOT: quant.
func.func @per_tensor(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.1>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32, 0.1>> to tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @narrow_range_zero_point
// CHECK: %[[S:.+]] = arith.constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: %[[Z:.+]] = arith.constant dense<-3> : tensor<1xi32>
// CHECK: quantc.quantize %{{.+}}, %[[S]] zero_point %[[Z]] {qmax = 127 : i64, qmin = -127 : i64} : tensor<4xf32>, tensor<1xf32>, tensor<1xi32> -> tensor<4xi8>
func.func @narrow_range_zero_point(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-3>> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-3>>
  return %q : tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-3>>
}

// -----

// Per-axis on the output channels of a [D, C] weight: scale [D, 1].
// CHECK-LABEL: func.func @per_axis
// CHECK-SAME: (%[[W:.+]]: tensor<3x2xi8>) -> tensor<3x2xf32>
// CHECK: %[[S:.+]] = arith.constant dense<{{\[}}[1.000000e+00], [2.000000e+00], [4.000000e+00]]> : tensor<3x1xf32>
// CHECK: quantc.dequantize %[[W]], %[[S]] : tensor<3x2xi8>, tensor<3x1xf32> -> tensor<3x2xf32>
func.func @per_axis(%w: tensor<3x2x!quant.uniform<i8:f32:0, {1.0, 2.0, 4.0}>>) -> tensor<3x2xf32> {
  %d = quant.dcast %w : tensor<3x2x!quant.uniform<i8:f32:0, {1.0, 2.0, 4.0}>> to tensor<3x2xf32>
  return %d : tensor<3x2xf32>
}

// -----

// Per-axis on the channels of an activation: scale [1, C].
// CHECK-LABEL: func.func @per_axis_channels
// CHECK: arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>
// CHECK: quantc.quantize {{.*}} : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x2xi8>
func.func @per_axis_channels(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %q = quant.qcast %x : tensor<4x2xf32> to tensor<4x2x!quant.uniform<i8:f32:1, {1.0, 2.0}>>
  %d = quant.dcast %q : tensor<4x2x!quant.uniform<i8:f32:1, {1.0, 2.0}>> to tensor<4x2xf32>
  return %d : tensor<4x2xf32>
}

// -----

// Sub-channel: blocks of 2 along dimension 1 of a 2x4 tensor give a 2x2 scale.
// CHECK-LABEL: func.func @sub_channel
// CHECK: %[[S:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00]]> : tensor<2x2xf32>
// CHECK: quantc.dequantize %{{.+}}, %[[S]] : tensor<2x4xi8>, tensor<2x2xf32> -> tensor<2x4xf32>
func.func @sub_channel(%w: tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0, 3.0}, {4.0, 5.0}}>>) -> tensor<2x4xf32> {
  %d = quant.dcast %w : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0, 3.0}, {4.0, 5.0}}>> to tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

// Storage casts disappear: the storage type is what flows.
// CHECK-LABEL: func.func @storage_cast
// CHECK-SAME: (%[[I:.+]]: tensor<4xi8>) -> tensor<4xf32>
// CHECK: quantc.dequantize %[[I]]
// CHECK-NOT: quant.scast
func.func @storage_cast(%i: tensor<4xi8>) -> tensor<4xf32> {
  %q = quant.scast %i : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Calls between functions carrying quantized types are converted too.
// CHECK-LABEL: func.func @callee
// CHECK-SAME: (%{{.+}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK-LABEL: func.func @caller
// CHECK: call @callee(%{{.+}}) : (tensor<4xi8>) -> tensor<4xi8>
func.func @callee(%q: tensor<4x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x!quant.uniform<i8:f32, 0.25>> {
  return %q : tensor<4x!quant.uniform<i8:f32, 0.25>>
}
func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  %r = call @callee(%q) : (tensor<4x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %r : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// A QDQ pair is never folded away: fake quantization keeps its error.
// CHECK-LABEL: func.func @qdq_kept
// CHECK: quantc.quantize
// CHECK: quantc.dequantize
func.func @qdq_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xf32>
  return %d : tensor<4xf32>
}
