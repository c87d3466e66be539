// The planner's marks, honoured by --quantc-quantize: on zen5-2c the
// 1-token GEMM is memory-bound (W4A16: 4-bit weights in groups of 128
// along K), the 512-token GEMM compute-bound (W8A8).
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c" --quantc-quantize -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s

// CHECK: remark: quantc scheme: linalg.matmul C=256 D=256 on zen5-2c -> w4a16
// CHECK: remark: quantc scheme: linalg.matmul C=256 D=256 on zen5-2c -> w8a8
// CHECK-NOT: remark
// CHECK-LABEL: func.func @layer
// CHECK-SAME: quantc.cost_target = {{{.*}}name = "zen5-2c"
// CHECK: %[[W1:.*]] = quantc.dequantize {{.*}} : tensor<256x256xi4>, tensor<2x256xf32> -> tensor<256x256xf32>
// CHECK: linalg.matmul {quantc.scheme = "w4a16"} ins(%arg0, %[[W1]]
// CHECK: %[[W2:.*]] = quantc.dequantize {{.*}} : tensor<256x256xi8>, tensor<1x256xf32> -> tensor<256x256xf32>
// CHECK: %[[S:.*]] = quantc.compute_scale %arg1
// CHECK: %[[Q:.*]] = quantc.quantize %arg1, %[[S]]
// CHECK: %[[D:.*]] = quantc.dequantize %[[Q]], %[[S]]
// CHECK: linalg.matmul {quantc.scheme = "w8a8"} ins(%[[D]], %[[W2]]
func.func @layer(%decode: tensor<1x256xf32>, %prefill: tensor<512x256xf32>, %z1: tensor<1x256xf32>, %z2: tensor<512x256xf32>) -> (tensor<1x256xf32>, tensor<512x256xf32>) {
  %w = arith.constant dense<0.25> : tensor<256x256xf32>
  %a = linalg.matmul ins(%decode, %w : tensor<1x256xf32>, tensor<256x256xf32>) outs(%z1 : tensor<1x256xf32>) -> tensor<1x256xf32>
  %b = linalg.matmul ins(%prefill, %w : tensor<512x256xf32>, tensor<256x256xf32>) outs(%z2 : tensor<512x256xf32>) -> tensor<512x256xf32>
  return %a, %b : tensor<1x256xf32>, tensor<512x256xf32>
}
