// A 3e9 x 3e9 x 3e9 QDQ GEMM with splat scales: the verifiers check a splat
// once, so the analysis runs in bounded time and the reduction size (not a
// product overflowing int64) decides the int32-overflow diagnostic.
// RUN: quantc-opt %s --quantc-verify-gemm -verify-diagnostics -o /dev/null

func.func @huge(%x: tensor<3000000000x3000000000xf32>, %z: tensor<3000000000x3000000000xf32>) -> tensor<3000000000x3000000000xf32> {
  %sx = arith.constant dense<0.5> : tensor<3000000000x1xf32>
  %wq = arith.constant dense<3> : tensor<3000000000x3000000000xi8>
  %sw = arith.constant dense<0.5> : tensor<3000000000x1xf32>
  %q = quantc.quantize %x, %sx : tensor<3000000000x3000000000xf32>, tensor<3000000000x1xf32> -> tensor<3000000000x3000000000xi8>
  %xd = quantc.dequantize %q, %sx : tensor<3000000000x3000000000xi8>, tensor<3000000000x1xf32> -> tensor<3000000000x3000000000xf32>
  %wd = quantc.dequantize %wq, %sw : tensor<3000000000x3000000000xi8>, tensor<3000000000x1xf32> -> tensor<3000000000x3000000000xf32>
  // expected-error @+1 {{overflow}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%xd, %wd : tensor<3000000000x3000000000xf32>, tensor<3000000000x3000000000xf32>) outs(%z : tensor<3000000000x3000000000xf32>) -> tensor<3000000000x3000000000xf32>
  return %y : tensor<3000000000x3000000000xf32>
}
