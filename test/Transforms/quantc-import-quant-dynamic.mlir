// RUN: quantc-opt %s --quantc-import-quant -split-input-file -verify-diagnostics | FileCheck %s

// A dynamic token count needs no static shape: the per-tensor scale and the
// per-axis scale on the static channel dimension do not depend on it.
// CHECK-LABEL: func.func @dynamic_tokens
// CHECK: %[[S:.+]] = arith.constant dense<2.500000e-01> : tensor<1x1xf32>
// CHECK: quantc.quantize %{{.+}}, %[[S]] {{.*}}: tensor<?x2xf32>, tensor<1x1xf32> -> tensor<?x2xi8>
// CHECK: %[[C:.+]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01]]> : tensor<1x2xf32>
// CHECK: quantc.quantize %{{.+}}, %[[C]] {{.*}}: tensor<?x2xf32>, tensor<1x2xf32> -> tensor<?x2xi8>
func.func @dynamic_tokens(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %q = quant.qcast %x : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32, 0.25>>
  %d = quant.dcast %q : tensor<?x2x!quant.uniform<i8:f32, 0.25>> to tensor<?x2xf32>
  %qa = quant.qcast %x : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  %da = quant.dcast %qa : tensor<?x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>> to tensor<?x2xf32>
  return %d, %da : tensor<?x2xf32>, tensor<?x2xf32>
}

// -----

// A scale that would need the dynamic dimension is a clear diagnostic.
func.func @per_axis_on_dynamic(%x: tensor<?x2xf32>) -> tensor<?x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>> {
  // expected-error-re @+1 {{per-axis quantization along dimension 0 of {{.*}} needs a static size there (the scale has one value per element of it)}}
  %q = quant.qcast %x : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>
  return %q : tensor<?x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>
}
