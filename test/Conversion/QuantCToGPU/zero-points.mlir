// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

// The Tensor Core kernels take no zero points: the GEMM of the stored values
// runs on the GPU and the zero points are corrected in i32 after it (the
// operands' sums over K), with a remark; its rescale then runs on the host.
// CHECK-LABEL: func.func @zero_points
// CHECK: call @{{.*}}launch
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic
// CHECK: arith.muli
// CHECK: arith.subi
// CHECK: quantc.rescale
func.func @zero_points(%x: tensor<64x64xi8>, %w: tensor<64x64xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x64xf32>) -> tensor<64x64xf32> {
  %zx = arith.constant dense<-7> : tensor<1x1xi32>
  // expected-remark @+1 {{the Tensor Core kernel does not take the zero points of this GEMM: they are corrected in i32 after it (row and column sums of the operands)}}
  %acc = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) : tensor<64x64xi8>, tensor<64x64xi8> -> tensor<64x64xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<64x64xi32>, tensor<1x1xf32>, tensor<1x64xf32>) -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}
