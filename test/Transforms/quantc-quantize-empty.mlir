// RUN: quantc-opt %s --quantc-quantize | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize --quantc-cpu-pipeline="cpu=generic" -o /dev/null

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
