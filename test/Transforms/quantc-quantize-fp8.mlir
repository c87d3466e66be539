// RUN: quantc-opt %s --quantc-quantize="storage=f8E4M3FN" | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize="storage=f8E4M3FN" --quantc-verify-gemm --quantc-fuse | FileCheck %s --check-prefix=FUSE
// RUN: quantc-opt %s --quantc-quantize="storage=f8E4M3FN activations=per-tensor" | FileCheck %s --check-prefix=STATIC

// FP8 W8A8: the weight becomes an f8E4M3FN constant with per-channel scales
// absmax / 448 (column 0: absmax 448 -> scale 1, values exact; column 1:
// absmax 0.5 -> scale 0.5/448, 0.5 -> 448 and 0.25 -> 224), the activation
// is quantized per token with qmax = 448.

// CHECK-LABEL: func.func @linear
// CHECK-DAG: %[[WQ:.*]] = arith.constant dense<{{\[}}[4.480000e+02, 4.480000e+02], [-1.000000e+00, 2.240000e+02], [3.000000e+00, -4.480000e+02]]> : tensor<3x2xf8E4M3FN>
// CHECK-DAG: %[[WS:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 0.00111607148]]> : tensor<1x2xf32>
// CHECK: quantc.dequantize %[[WQ]], %[[WS]] : tensor<3x2xf8E4M3FN>, tensor<1x2xf32> -> tensor<3x2xf32>
// CHECK: %[[XS:.*]] = quantc.compute_scale %{{.*}} {dims = array<i64: 1>, qmax = 448 : i64} : tensor<4x3xf32> -> tensor<4x1xf32>
// CHECK: %[[XQ:.*]] = quantc.quantize %{{.*}}, %[[XS]] : tensor<4x3xf32>, tensor<4x1xf32> -> tensor<4x3xf8E4M3FN>
// CHECK: quantc.dequantize %[[XQ]], %[[XS]] : tensor<4x3xf8E4M3FN>, tensor<4x1xf32> -> tensor<4x3xf32>
// CHECK: linalg.matmul

// verify-gemm accepts per-token x per-channel; fuse makes the FP8 GEMM with
// the f32 accumulator and the rescale epilogue.
// (the constant weight is transposed to the kernels' [D, C] at compile time;
// the per-token quantize runs row by row, its clamp E4M3's own).
// FUSE-LABEL: func.func @linear
// FUSE: %[[W:.*]] = arith.constant dense<{{\[}}[4.480000e+02, -1.000000e+00, 3.000000e+00], [4.480000e+02, 2.240000e+02, -4.480000e+02]]> : tensor<2x3xf8E4M3FN>
// FUSE: %[[Q:.*]]:2 = scf.for
// FUSE: quantc.compute_scale {{.*}} {dims = array<i64: 1>, qmax = 448 : i64}
// FUSE: quantc.quantize %{{.*}}, %{{.*}} : tensor<1x3xf32>, tensor<1x1xf32> -> tensor<1x3xf8E4M3FN>
// FUSE: %[[ACC:.*]] = quantc.matmul %[[Q]]#0, %[[W]] : tensor<4x3xf8E4M3FN>, tensor<2x3xf8E4M3FN> -> tensor<4x2xf32>
// FUSE: quantc.rescale %[[ACC]], %[[Q]]#1, %{{.*}} : (tensor<4x2xf32>, tensor<4x1xf32>, tensor<1x2xf32>) -> tensor<4x2xf32>
// FUSE-NOT: linalg.matmul

// STATIC-LABEL: func.func @linear
// STATIC: arith.constant dense<1.000000e+00> : tensor<1x1xf32>
// STATIC: quantc.quantize {{.*}} -> tensor<4x3xf8E4M3FN>
func.func @linear(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %o = quantc.observe %x {absmax = dense<[448.0, 1.0, 2.0]> : tensor<3xf32>} : tensor<4x3xf32>
  %w = arith.constant dense<[[448.0, 0.5], [-1.0, 0.25], [3.0, -0.5]]> : tensor<3x2xf32>
  %z = arith.constant dense<0.0> : tensor<4x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
