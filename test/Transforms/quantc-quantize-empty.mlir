// RUN: quantc-opt %s --quantc-quantize | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize --quantc-cpu-pipeline="cpu=generic" -o /dev/null
// RUN: quantc-opt %s --quantc-quantize --quantc-cpu-pipeline="cpu=vnni" -o /dev/null
// RUN: quantc-opt %s --quantc-quantize="activations=none weight-bits=4" | FileCheck %s --check-prefix=W4

// A matmul over 0 tokens quantizes to IR its own verifier accepts (issue 15:
// the per-token scale tensor<0x1xf32> was rejected).
// CHECK-LABEL: func.func @no_tokens
// CHECK: quantc.compute_scale %{{.*}} {dims = array<i64: 1>} : tensor<0x64xf32> -> tensor<0x1xf32>
// CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<0x64xf32>, tensor<0x1xf32> -> tensor<0x64xi8>
func.func @no_tokens(%x: tensor<0x64xf32>, %z: tensor<0x16xf32>) -> tensor<0x16xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<0x64xf32>, tensor<64x16xf32>) outs(%z : tensor<0x16xf32>) -> tensor<0x16xf32>
  return %y : tensor<0x16xf32>
}

// A weight of 0 output channels: its per-channel scale is tensor<1x0xf32>
// (rowBlock divided the row length by that 0: SIGFPE).
// CHECK-LABEL: func.func @no_columns
// CHECK: [[Q:%.+]] = arith.constant dense<> : tensor<16x0xi8>
// CHECK: [[S:%.+]] = arith.constant dense<> : tensor<1x0xf32>
// CHECK: quantc.dequantize [[Q]], [[S]] : tensor<16x0xi8>, tensor<1x0xf32> -> tensor<16x0xf32>
// W4-LABEL: func.func @no_columns
// W4: [[Q:%.+]] = arith.constant dense<> : tensor<16x0xi4>
// W4: quantc.dequantize [[Q]], %{{.*}} : tensor<16x0xi4>, tensor<1x0xf32> -> tensor<16x0xf32>
func.func @no_columns(%x: tensor<8x16xf32>, %z: tensor<8x0xf32>) -> tensor<8x0xf32> {
  %w = arith.constant dense<1.0> : tensor<16x0xf32>
  %y = linalg.matmul ins(%x, %w : tensor<8x16xf32>, tensor<16x0xf32>) outs(%z : tensor<8x0xf32>) -> tensor<8x0xf32>
  return %y : tensor<8x0xf32>
}
