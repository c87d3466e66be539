// --quantc-quantize honours the per-GEMM quantc.scheme mark of
// --quantc-select-scheme.
// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics -mlir-print-op-on-diagnostic=false | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize="activations=per-tensor" -split-input-file -verify-diagnostics -mlir-print-op-on-diagnostic=false | FileCheck %s --check-prefix=STATIC

// w8a8: weight and activation (the pass's activations=, per-token by default).
// CHECK-LABEL: func.func @w8a8
// CHECK: %[[O:.*]] = quantc.observe %arg0
// CHECK: %[[WQ:.*]] = arith.constant dense<{{.*}}> : tensor<8x16xi8>
// CHECK: %[[WD:.*]] = quantc.dequantize %[[WQ]]
// CHECK: %[[XS:.*]] = quantc.compute_scale %[[O]]
// CHECK: %[[XQ:.*]] = quantc.quantize %[[O]], %[[XS]]
// CHECK: %[[XD:.*]] = quantc.dequantize %[[XQ]], %[[XS]]
// CHECK: linalg.matmul {quantc.scheme = "w8a8"} ins(%[[XD]], %[[WD]]
// STATIC-LABEL: func.func @w8a8
// STATIC: %[[XQ:.*]] = quantc.quantize %[[OBS:.*]], %[[XS:.*]] : tensor<4x8xf32>, tensor<1x1xf32>
// STATIC: linalg.matmul {quantc.scheme = "w8a8"}
func.func @w8a8(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  %o = quantc.observe %x {absmax = dense<2.0> : tensor<8xf32>} : tensor<4x8xf32>
  %y = linalg.matmul {quantc.scheme = "w8a8"} ins(%o, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// w8a16: the weight only, whatever activations= says.
// CHECK-LABEL: func.func @w8a16
// CHECK-NOT: quantc.quantize
// CHECK-NOT: quantc.compute_scale
// CHECK: %[[WD:.*]] = quantc.dequantize
// CHECK: linalg.matmul {quantc.scheme = "w8a16"} ins(%arg0, %[[WD]]
// STATIC-LABEL: func.func @w8a16
// STATIC-NOT: quantc.quantize
// STATIC: linalg.matmul {quantc.scheme = "w8a16"}
func.func @w8a16(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  %y = linalg.matmul {quantc.scheme = "w8a16"} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// w4a16: 4-bit weights (i4, [-7, 7]) with f32 scales per group of 128
// along K and output channel, float activations.
// CHECK-LABEL: func.func @w4a16
// CHECK-NOT: quantc.quantize
// CHECK: %[[WQ:.*]] = arith.constant dense<7> : tensor<256x16xi4>
// CHECK: %[[WS:.*]] = arith.constant dense<0.0714285746> : tensor<2x16xf32>
// CHECK: %[[WD:.*]] = quantc.dequantize %[[WQ]], %[[WS]] : tensor<256x16xi4>, tensor<2x16xf32> -> tensor<256x16xf32>
// CHECK: linalg.matmul {quantc.scheme = "w4a16"} ins(%arg0, %[[WD]]
func.func @w4a16(%x: tensor<4x256xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<256x16xf32>
  %y = linalg.matmul {quantc.scheme = "w4a16"} ins(%x, %w : tensor<4x256xf32>, tensor<256x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// w4a16 with K = 96: groups of 32 (the largest of 128, 64, 32 dividing K),
// said so.
// CHECK-LABEL: func.func @w4a16_k96
// CHECK: quantc.dequantize %{{.*}}, %{{.*}} : tensor<96x16xi4>, tensor<3x16xf32> -> tensor<96x16xf32>
func.func @w4a16_k96(%x: tensor<4x96xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<96x16xf32>
  // expected-remark @below {{quantc.scheme = "w4a16": K = 96 is not a multiple of 128; 4-bit groups of 32 along K}}
  %y = linalg.matmul {quantc.scheme = "w4a16"} ins(%x, %w : tensor<4x96xf32>, tensor<96x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// w4a16 with K = 8: no group divides K, one 4-bit scale per output channel.
// CHECK-LABEL: func.func @w4a16_k8
// CHECK: quantc.dequantize %{{.*}}, %{{.*}} : tensor<8x16xi4>, tensor<1x16xf32> -> tensor<8x16xf32>
func.func @w4a16_k8(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  // expected-remark @below {{quantc.scheme = "w4a16": K = 8 is not a multiple of 128; no group size in {128, 64, 32} divides K: one 4-bit scale per output channel}}
  %y = linalg.matmul {quantc.scheme = "w4a16"} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// float: left alone, said so; the float weight stays.
// CHECK-LABEL: func.func @float
// CHECK-NOT: quantc.
// CHECK: linalg.matmul {quantc.scheme = "float"} ins(%arg0, %cst
func.func @float(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  // expected-remark @below {{left in float: quantc.scheme = "float"}}
  %y = linalg.matmul {quantc.scheme = "float"} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Marks it does not know are errors, not a silent default.
func.func @unknown(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  // expected-error @below {{quantc.scheme must be "w8a8", "w8a16", "w4a16" or "float", got "int3"}}
  %y = linalg.matmul {quantc.scheme = "int3"} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

func.func @not_a_string(%x: tensor<4x8xf32>, %z: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  // expected-error @below {{quantc.scheme must be "w8a8", "w8a16", "w4a16" or "float", got 8 : i64}}
  %y = linalg.matmul {quantc.scheme = 8} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
