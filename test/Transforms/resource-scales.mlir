// Scales and smoothing factors derived by the weight passes are
// dense_resource blobs above 256 elements (the IR text stays O(structure),
// ConstantWeights.h kMaxTextConstantElements), textual dense<...> at or
// below; the fuse pass takes the blob scale into the GEMM's epilogue.
// RUN: quantc-opt %s --quantc-quantize -split-input-file | FileCheck %s --check-prefix=Q
// RUN: quantc-opt %s --quantc-quantize --quantc-fuse -split-input-file -mlir-elide-resource-strings-if-larger=20 | FileCheck %s --check-prefix=FUSE
// RUN: quantc-opt %s --quantc-smoothquant -split-input-file | FileCheck %s --check-prefix=SQ

// 257 output channels, each of absmax 1: scale 1 / 127 (0x3C010204, bytes
// 04 02 01 3C) per channel, as a blob after the 64-byte alignment word; the
// int8 weight is all 127.
// Q-LABEL: func.func @wide
// Q-DAG: %[[Q:.*]] = arith.constant dense<127> : tensor<2x257xi8>
// Q-DAG: %[[S:.*]] = arith.constant dense_resource<scale> : tensor<1x257xf32>
// Q: quantc.dequantize %[[Q]], %[[S]]
// Q: dialect_resources
// Q: scale: "0x40000000{{(0402013C)+}}"
// 256 channels stay text.
// Q-LABEL: func.func @narrow
// Q: arith.constant dense<0.00787401571> : tensor<1x256xf32>
// Q-NOT: dense_resource
// Q-LABEL: func.func @wide_in

// FUSE-LABEL: func.func @wide
// FUSE-DAG: %[[W:.*]] = arith.constant dense<127> : tensor<257x2xi8>
// FUSE-DAG: %[[S:.*]] = arith.constant dense_resource<scale> : tensor<1x257xf32>
// FUSE: %[[ACC:.*]] = quantc.matmul %{{.*}}, %[[W]]
// FUSE: quantc.rescale %[[ACC]], %{{.*}}, %[[S]]

// 257 input channels: s_c = sqrt(absmax_c / wmax_c) = sqrt(2 / 1) =
// 1.41421354 (0x3FB504F3) per channel, as a blob.
// SQ-LABEL: func.func @wide
// SQ-NOT: dense_resource
// SQ-LABEL: func.func @narrow
// SQ-NOT: dense_resource
// SQ-LABEL: func.func @wide_in
// SQ: %[[F:.*]] = arith.constant dense_resource<smooth_factor> : tensor<1x257xf32>
// SQ: quantc.smooth %{{.*}}, %[[F]]
// SQ: dialect_resources
// SQ: smooth_factor: "0x40000000{{(F304B53F)+}}"
func.func @wide(%x: tensor<4x2xf32>) -> tensor<4x257xf32> {
  %o = quantc.observe %x {absmax = dense<[2.0, 2.0]> : tensor<2xf32>} : tensor<4x2xf32>
  %w = arith.constant dense<1.0> : tensor<2x257xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x257xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x257xf32>) -> tensor<4x257xf32>
  %r = linalg.matmul ins(%o, %w : tensor<4x2xf32>, tensor<2x257xf32>) outs(%f : tensor<4x257xf32>) -> tensor<4x257xf32>
  return %r : tensor<4x257xf32>
}

// -----

func.func @narrow(%x: tensor<4x2xf32>) -> tensor<4x256xf32> {
  %o = quantc.observe %x {absmax = dense<[2.0, 2.0]> : tensor<2xf32>} : tensor<4x2xf32>
  %w = arith.constant dense<1.0> : tensor<2x256xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x256xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x256xf32>) -> tensor<4x256xf32>
  %r = linalg.matmul ins(%o, %w : tensor<4x2xf32>, tensor<2x256xf32>) outs(%f : tensor<4x256xf32>) -> tensor<4x256xf32>
  return %r : tensor<4x256xf32>
}

// -----

func.func @wide_in(%x: tensor<4x257xf32>) -> tensor<4x2xf32> {
  %o = quantc.observe %x {absmax = dense<2.0> : tensor<257xf32>} : tensor<4x257xf32>
  %w = arith.constant dense<1.0> : tensor<257x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.matmul ins(%o, %w : tensor<4x257xf32>, tensor<257x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
