// RUN: quantc-opt %s --quantc-quantize -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize="weights=per-tensor activations=per-tensor" -split-input-file | FileCheck %s --check-prefix=TENSOR
// RUN: quantc-opt %s --quantc-quantize="activations=none" -split-input-file | FileCheck %s --check-prefix=W8A16
// --quantc-quantize never produces a granularity the GEMM check rejects
// (--quantc-verify-gemm fails the run on an illegal matmul), in any mode.
// RUN: quantc-opt %s --quantc-quantize --quantc-verify-gemm -split-input-file | FileCheck %s --check-prefix=LEGAL
// RUN: quantc-opt %s --quantc-quantize="weights=per-tensor" --quantc-verify-gemm -split-input-file | FileCheck %s --check-prefix=LEGAL
// RUN: quantc-opt %s --quantc-quantize="activations=none" --quantc-verify-gemm -split-input-file | FileCheck %s --check-prefix=W8A16-LEGAL
// LEGAL-NOT: illegal
// LEGAL: quantc.gemm = "int8"
// LEGAL-NOT: illegal
// W8A16-LEGAL: quantc.gemm = "dequant-on-load"

// Plain layout W: [C=4, D=3]: one scale per output channel = column, shape
// [1, 3]. Column 1 has absmax 4 (scale 4/127): -2 -> -63.5 -> -64 (half to
// even); column 2 absmax 1: 0.5 -> 63.5 -> 64.

// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[X:.+]]: tensor<2x4xf32>)
// CHECK: %[[O:.+]] = quantc.observe %[[X]]
// CHECK-DAG: %[[WQ:.+]] = arith.constant dense<{{\[}}[1, -64, 64], [0, 127, -127], [-127, 32, 0], [2, 0, 0]]> : tensor<4x3xi8>
// CHECK-DAG: %[[WS:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 0.0314960629, 0.00787401571]]> : tensor<1x3xf32>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %[[WS]] : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x3xf32>
// CHECK: %[[XS:.+]] = quantc.compute_scale %[[O]] {dims = array<i64: 1>} : tensor<2x4xf32> -> tensor<2x1xf32>
// CHECK: %[[XQ:.+]] = quantc.quantize %[[O]], %[[XS]] : tensor<2x4xf32>, tensor<2x1xf32> -> tensor<2x4xi8>
// CHECK: %[[XD:.+]] = quantc.dequantize %[[XQ]], %[[XS]] : tensor<2x4xi8>, tensor<2x1xf32> -> tensor<2x4xf32>
// CHECK: linalg.matmul ins(%[[XD]], %[[WD]] : tensor<2x4xf32>, tensor<4x3xf32>)

// TENSOR-LABEL: func.func @plain
// TENSOR-DAG: %[[WQ:.+]] = arith.constant dense<{{\[}}[1, -2, 0], [0, 4, -1], [-127, 1, 0], [2, 0, 0]]> : tensor<4x3xi8>
// TENSOR-DAG: %[[WS:.+]] = arith.constant dense<1.000000e+00> : tensor<1x1xf32>
// TENSOR: quantc.dequantize %[[WQ]], %[[WS]] : tensor<4x3xi8>, tensor<1x1xf32>
// TENSOR: %[[XS:.+]] = arith.constant dense<0.0787401571> : tensor<1x1xf32>
// TENSOR: quantc.quantize %{{.+}}, %[[XS]] : tensor<2x4xf32>, tensor<1x1xf32> -> tensor<2x4xi8>

// W8A16-LABEL: func.func @plain
// W8A16-SAME: (%[[X:.+]]: tensor<2x4xf32>)
// W8A16: %[[O:.+]] = quantc.observe %[[X]]
// W8A16: %[[WD:.+]] = quantc.dequantize
// W8A16-NOT: quantc.quantize
// W8A16: linalg.matmul ins(%[[O]], %[[WD]] : tensor<2x4xf32>, tensor<4x3xf32>)
func.func @plain(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 4.0, -1.0], [-127.0, 1.0, 0.0], [2.0, 0.0, 0.0]]> : tensor<4x3xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %o = quantc.observe %x {absmax = dense<[1.0, 10.0, 2.0, 0.5]> : tensor<4xf32>} : tensor<2x4xf32>
  %y = linalg.matmul ins(%o, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Transposed-B layout W: [D=3, C=4]: the output channel is dimension 0, so
// the per-channel scale is [3, 1]; the same values as @plain, transposed.

// CHECK-LABEL: func.func @transposed
// CHECK-DAG: %[[WQ:.+]] = arith.constant dense<{{\[}}[1, 0, -127, 2], [-64, 127, 32, 0], [64, -127, 0, 0]]> : tensor<3x4xi8>
// CHECK-DAG: %[[WS:.+]] = arith.constant dense<{{\[}}[1.000000e+00], [0.0314960629], [0.00787401571]]> : tensor<3x1xf32>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %[[WS]] : tensor<3x4xi8>, tensor<3x1xf32> -> tensor<3x4xf32>
// CHECK: %[[XD:.+]] = quantc.dequantize %{{.+}}, %{{.+}} : tensor<2x4xi8>, tensor<2x1xf32> -> tensor<2x4xf32>
// CHECK: linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%[[XD]], %[[WD]] : tensor<2x4xf32>, tensor<3x4xf32>)

// TENSOR-LABEL: func.func @transposed
// TENSOR: %[[XS:.+]] = arith.constant dense<0.0393700786> : tensor<1x1xf32>
// TENSOR: quantc.quantize %{{.+}}, %[[XS]]
func.func @transposed(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, 0.25, -127.0, 2.0], [-2.0, 4.0, 1.0, 0.0], [0.5, -1.0, 0.0, 0.0]]> : tensor<3x4xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %o = quantc.observe %x {absmax = dense<[1.0, 5.0, 2.0, 0.5]> : tensor<4xf32>} : tensor<2x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %w : tensor<2x4xf32>, tensor<3x4xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// batch_matmul: X [B, N, C], W [B, C, D]: the weight scale varies along D
// only ([1, 1, D]), the per-token scale along B and N ([B, N, 1]); a
// dynamic token dimension is kept dynamic.

// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[WQ:.+]] = arith.constant dense<{{\[}}{{\[}}[127, 127], [-127, 0]], {{\[}}[0, -64], [64, 127]]]> : tensor<2x2x2xi8>
// CHECK-DAG: %[[WS:.+]] = arith.constant dense<{{\[}}{{\[}}[0.0157480314, 0.0314960629]]]> : tensor<1x1x2xf32>
// CHECK: quantc.dequantize %[[WQ]], %[[WS]] : tensor<2x2x2xi8>, tensor<1x1x2xf32> -> tensor<2x2x2xf32>
// CHECK: quantc.compute_scale %{{.+}} {dims = array<i64: 2>} : tensor<2x?x2xf32> -> tensor<2x?x1xf32>
// CHECK: linalg.batch_matmul
// TENSOR-LABEL: func.func @batched
// TENSOR: arith.constant dense<0.0236220472> : tensor<1x1x1xf32>
func.func @batched(%x: tensor<2x?x2xf32>, %z: tensor<2x?x2xf32>) -> tensor<2x?x2xf32> {
  %w = arith.constant dense<[[[2.0, 4.0], [-2.0, 0.0]], [[0.0, -2.0], [1.0, 4.0]]]> : tensor<2x2x2xf32>
  %o = quantc.observe %x {absmax = dense<[3.0, 1.0]> : tensor<2xf32>} : tensor<2x?x2xf32>
  %y = linalg.batch_matmul ins(%o, %w : tensor<2x?x2xf32>, tensor<2x2x2xf32>) outs(%z : tensor<2x?x2xf32>) -> tensor<2x?x2xf32>
  return %y : tensor<2x?x2xf32>
}

// -----

// An already-quantized weight and the float GEMM of --quantc-outlier-split
// are left alone; an activation that already is QDQ keeps its scheme and
// only the weight is quantized.

// CHECK-LABEL: func.func @left_alone
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4xf32>
// CHECK-NOT: quantc.compute_scale
// CHECK: %[[WD:.+]] = quantc.dequantize
// CHECK: linalg.matmul ins(%[[X]], %[[WD]] :
// CHECK: linalg.matmul {quantc.keep_float} ins(%[[X]], %{{.+}} :
// CHECK: %[[XD:.+]] = quantc.dequantize %{{.+}}, %{{.+}} : tensor<2x4xi8>, tensor<1x1xf32>
// CHECK: %[[WD2:.+]] = quantc.dequantize %{{.+}}, %{{.+}} : tensor<4x3xi8>, tensor<1x3xf32>
// CHECK-NOT: quantc.quantize
// CHECK: linalg.matmul ins(%[[XD]], %[[WD2]] :
func.func @left_alone(%x: tensor<2x4xf32>, %z: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %wq = arith.constant dense<1> : tensor<4x3xi8>
  %ws = arith.constant dense<0.5> : tensor<1x3xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x3xf32>
  %y0 = linalg.matmul ins(%x, %wd : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %y1 = linalg.matmul {quantc.keep_float} ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xs = arith.constant dense<0.1> : tensor<1x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<2x4xf32>, tensor<1x1xf32> -> tensor<2x4xi8>
  %xdq = quantc.dequantize %xq, %xs : tensor<2x4xi8>, tensor<1x1xf32> -> tensor<2x4xf32>
  %w2 = arith.constant dense<2.0> : tensor<4x3xf32>
  %y2 = linalg.matmul ins(%xdq, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y0, %y1, %y2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// f16 contraction: the i8 weight dequantizes to f16 with f32 scales; the
// original float weight is removed.

// CHECK-LABEL: func.func @half
// CHECK-NOT: tensor<2x2xf16> = arith.constant
// CHECK: %[[WQ:.+]] = arith.constant dense<{{\[}}[127, 32], [127, 127]]> : tensor<2x2xi8>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %{{.+}} : tensor<2x2xi8>, tensor<1x2xf32> -> tensor<2x2xf16>
// CHECK: quantc.compute_scale %{{.+}} {dims = array<i64: 1>} : tensor<2x2xf16> -> tensor<2x1xf32>
// CHECK: linalg.matmul ins(%{{.+}}, %[[WD]] : tensor<2x2xf16>, tensor<2x2xf16>)
func.func @half(%x: tensor<2x2xf16>, %z: tensor<2x2xf16>) -> tensor<2x2xf16> {
  %w = arith.constant dense<[[1.0, 0.5], [1.0, 2.0]]> : tensor<2x2xf16>
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<2x2xf16>
  %y = linalg.matmul ins(%o, %w : tensor<2x2xf16>, tensor<2x2xf16>) outs(%z : tensor<2x2xf16>) -> tensor<2x2xf16>
  return %y : tensor<2x2xf16>
}
