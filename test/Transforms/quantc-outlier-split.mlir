// RUN: quantc-opt %s --quantc-outlier-split -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-outlier-split="threshold=1.5" -split-input-file | FileCheck %s --check-prefix=LOW

// Channels 1 (absmax 90) and 3 (7.5) exceed 6.0: they are gathered into a
// float GEMM with rows 1 and 3 of the plain [C, D] weight; channels 0 and 2
// go to the int8 path (per-token activation, per-output-channel weight
// quantized from rows 0 and 2); the results are added. The float GEMM
// accumulates into the original init, the int8 one starts from zero.

// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4xf32>, %[[Z:[^:]+]]: tensor<2x3xf32>)
// CHECK: %[[O:.+]] = quantc.observe %[[X]]
// CHECK: %[[OI:.+]] = arith.constant dense<[1, 3]> : tensor<2xi64>
// CHECK: %[[XO:.+]] = linalg.generic {{.+}} ins(%[[OI]] : tensor<2xi64>) outs(%{{.+}} : tensor<2x2xf32>)
// CHECK: tensor.extract %[[O]]
// CHECK: %[[WO:.+]] = arith.constant dense<{{\[}}[4.000000e+00, 5.000000e+00, 6.000000e+00], [1.000000e+01, 1.100000e+01, 1.200000e+01]]> : tensor<2x3xf32>
// CHECK: %[[YO:.+]] = linalg.matmul {quantc.keep_float} ins(%[[XO]], %[[WO]] : tensor<2x2xf32>, tensor<2x3xf32>) outs(%[[Z]] :
// CHECK: %[[II:.+]] = arith.constant dense<[0, 2]> : tensor<2xi64>
// CHECK: %[[XI:.+]] = linalg.generic {{.+}} ins(%[[II]] : tensor<2xi64>)
// CHECK: %[[WQ:.+]] = arith.constant dense<{{\[}}[18, 32, 42], [127, 127, 127]]> : tensor<2x3xi8>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %{{.+}} : tensor<2x3xi8>, tensor<1x3xf32>
// CHECK: %[[XS:.+]] = quantc.compute_scale %[[XI]] {dims = array<i64: 1>}
// CHECK: %[[XQ:.+]] = quantc.quantize %[[XI]], %[[XS]]
// CHECK: %[[XD:.+]] = quantc.dequantize %[[XQ]], %[[XS]]
// CHECK: %[[ZI:.+]] = linalg.fill
// CHECK: %[[YI:.+]] = linalg.matmul ins(%[[XD]], %[[WD]] : tensor<2x2xf32>, tensor<2x3xf32>) outs(%[[ZI]] :
// CHECK: %[[Y:.+]] = linalg.add ins(%[[YO]], %[[YI]] :
// CHECK: return %[[Y]]

// With threshold 1.5, channel 2 (absmax 2) is an outlier too.
// LOW-LABEL: func.func @plain
// LOW: arith.constant dense<[1, 2, 3]> : tensor<3xi64>
// LOW: arith.constant dense<0> : tensor<1xi64>
func.func @plain(%x: tensor<2x4xf32>, %z: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %o = quantc.observe %x {absmax = dense<[1.0, 90.0, 2.0, 7.5]> : tensor<4xf32>} : tensor<2x4xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  %y = linalg.matmul ins(%o, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Transposed [D, C] weight: the columns are sliced. A dynamic token
// dimension stays dynamic in the gathers.

// CHECK-LABEL: func.func @transposed
// CHECK: %[[WO:.+]] = arith.constant dense<{{\[}}[2.000000e+00], [5.000000e+00]]> : tensor<2x1xf32>
// CHECK: linalg.matmul indexing_maps = {{.+}} {quantc.keep_float} ins(%{{.+}}, %[[WO]] : tensor<?x1xf32>, tensor<2x1xf32>)
// CHECK: %[[WQ:.+]] = arith.constant dense<{{\[}}[42, 127], [102, 127]]> : tensor<2x2xi8>
// CHECK: linalg.matmul indexing_maps = {{.+}} ins(%{{.+}}, %{{.+}} : tensor<?x2xf32>, tensor<2x2xf32>)
// CHECK: linalg.add
func.func @transposed(%x: tensor<?x3xf32>, %z: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %o = quantc.observe %x {absmax = dense<[1.0, 50.0, 2.0]> : tensor<3xf32>} : tensor<?x3xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 5.0]]> : tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %w : tensor<?x3xf32>, tensor<2x3xf32>) outs(%z : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// No outliers: the whole contraction takes the int8 path. All outliers: it
// stays float and is marked so that --quantc-quantize leaves it alone.

// CHECK-LABEL: func.func @none_or_all
// CHECK-NOT: linalg.add
// CHECK: quantc.quantize
// CHECK: linalg.matmul ins
// CHECK: linalg.matmul {quantc.keep_float} ins
// CHECK-NOT: linalg.add
func.func @none_or_all(%x: tensor<2x2xf32>, %z: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %o1 = quantc.observe %x {absmax = dense<[1.0, 2.0]> : tensor<2xf32>} : tensor<2x2xf32>
  %y1 = linalg.matmul ins(%o1, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %o2 = quantc.observe %x {absmax = dense<[10.0, 20.0]> : tensor<2xf32>} : tensor<2x2xf32>
  %y2 = linalg.matmul ins(%o2, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y1, %y2 : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// batch_matmul: the gather keeps the batch and token indices; the weight
// [B, C, D] is sliced along C.

// CHECK-LABEL: func.func @batched
// CHECK: linalg.generic {{.+}} ins(%{{.+}} : tensor<1xi64>) outs(%{{.+}} : tensor<2x3x1xf32>)
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] : tensor<2x3x4xf32>
// CHECK: linalg.batch_matmul {quantc.keep_float} ins(%{{.+}}, %{{.+}} : tensor<2x3x1xf32>, tensor<2x1x2xf32>)
// CHECK: quantc.dequantize %{{.+}}, %{{.+}} : tensor<2x3x2xi8>, tensor<1x1x2xf32>
// CHECK: quantc.compute_scale %{{.+}} {dims = array<i64: 2>} : tensor<2x3x3xf32> -> tensor<2x3x1xf32>
// CHECK: linalg.batch_matmul ins(%{{.+}}, %{{.+}} : tensor<2x3x3xf32>, tensor<2x3x2xf32>)
// CHECK: linalg.add
func.func @batched(%x: tensor<2x3x4xf32>, %z: tensor<2x3x2xf32>) -> tensor<2x3x2xf32> {
  %o = quantc.observe %x {absmax = dense<[1.0, 90.0, 2.0, 3.0]> : tensor<4xf32>} : tensor<2x3x4xf32>
  %w = arith.constant dense<1.0> : tensor<2x4x2xf32>
  %y = linalg.batch_matmul ins(%o, %w : tensor<2x3x4xf32>, tensor<2x4x2xf32>) outs(%z : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}
