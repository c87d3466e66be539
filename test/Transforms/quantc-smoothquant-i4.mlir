// SmoothQuant re-quantizes a smoothed 4-bit weight to 4 bits (i4 in
// [-7, 7], scale absmax / 7), never silently to 8.
// RUN: quantc-opt %s --quantc-smoothquant | FileCheck %s

// CHECK-LABEL: func.func @legalize_quantized_i4_weight
// CHECK: %[[WQ:.+]] = arith.constant dense<{{\[}}[7, -7], [7, 7]]> : tensor<2x2xi4>
// CHECK: %[[WS:.+]] = arith.constant dense<{{\[}}[0.285714298], [0.142857149]]> : tensor<2x1xf32>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %[[WS]] : tensor<2x2xi4>, tensor<2x1xf32>
// CHECK: linalg.matmul indexing_maps = {{.+}} ins(%{{.+}}, %[[WD]] :
func.func @legalize_quantized_i4_weight(%x: tensor<3x2xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = arith.constant dense<[[0.0314960629, 0.00787401571]]> : tensor<1x2xf32>
  %q = quantc.quantize %x, %t : tensor<3x2xf32>, tensor<1x2xf32> -> tensor<3x2xi8>
  %d = quantc.dequantize %q, %t : tensor<3x2xi8>, tensor<1x2xf32> -> tensor<3x2xf32>
  // W = [[1, -4], [0.5, 2]] (rows are output channels), so s = [2, 0.5] and
  // W·diag(s) = [[2, -2], [1, 1]]: scales [2, 1] / 7.
  %wq = arith.constant dense<[[2, -8], [1, 4]]> : tensor<2x2xi4>
  %ws = arith.constant dense<[[0.5], [0.5]]> : tensor<2x1xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<2x2xi4>, tensor<2x1xf32> -> tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%d, %wd : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
