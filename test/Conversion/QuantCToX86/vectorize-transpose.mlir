// linalg.transpose that keeps the innermost dimension (attention's
// [S, H, D] -> [H, S, D]) is copied in whole vectors along it, with a masked
// tail; a transpose of the innermost dimension (K's [H, S, D] -> [H, D, S])
// stays a linalg.transpose (scalar loops later).
// RUN: quantc-opt %s --pass-pipeline="builtin.module(func.func(quantc-x86-vectorize-elementwise),canonicalize,cse)" | FileCheck %s

// CHECK-LABEL: func.func @heads
// CHECK-SAME: (%[[X:.+]]: tensor<?x4x40xf32>, %[[K:.+]]: tensor<4x?x40xf32>)
// CHECK: scf.for %[[H:.+]] = %c0 to %c4
// CHECK: scf.for %[[S:.+]] = %c0 to %{{.+}}
// CHECK: scf.for %[[D:.+]] = %c0 to %c32 step %c16
// CHECK: %[[V:.+]] = vector.transfer_read %[[X]][%[[S]], %[[H]], %[[D]]], %{{.+}} {in_bounds = [true]} : tensor<?x4x40xf32>, vector<16xf32>
// CHECK: vector.transfer_write %[[V]], %{{.+}}[%[[H]], %[[S]], %[[D]]] {in_bounds = [true]}
// CHECK: %[[T:.+]] = vector.transfer_read %[[X]][%[[S]], %[[H]], %c32], %{{.+}} : tensor<?x4x40xf32>, vector<16xf32>
// CHECK: vector.transfer_write %[[T]], %{{.+}}[%[[H]], %[[S]], %c32] : vector<16xf32>
// CHECK-NOT: linalg.transpose ins(%[[X]]
// CHECK: linalg.transpose ins(%[[K]] : tensor<4x?x40xf32>) {{.*}} permutation = [0, 2, 1]
func.func @heads(%x: tensor<?x4x40xf32>, %k: tensor<4x?x40xf32>) -> (tensor<4x?x40xf32>, tensor<4x40x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s = tensor.dim %x, %c0 : tensor<?x4x40xf32>
  %e = tensor.empty(%s) : tensor<4x?x40xf32>
  %t = linalg.transpose ins(%x : tensor<?x4x40xf32>) outs(%e : tensor<4x?x40xf32>) permutation = [1, 0, 2]
  %s2 = tensor.dim %k, %c1 : tensor<4x?x40xf32>
  %e2 = tensor.empty(%s2) : tensor<4x40x?xf32>
  %kt = linalg.transpose ins(%k : tensor<4x?x40xf32>) outs(%e2 : tensor<4x40x?xf32>) permutation = [0, 2, 1]
  return %t, %kt : tensor<4x?x40xf32>, tensor<4x40x?xf32>
}
