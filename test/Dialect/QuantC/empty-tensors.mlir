// RUN: quantc-opt %s | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=generic" -o /dev/null

// Zero rows (a batch with no tokens) are valid: a scale of 0 rows scales 0
// rows element by element (issue 15: refused with "has size 0, which neither
// is 1 nor divides the data dimension of size 0").
// CHECK-LABEL: func.func @zero_rows
// CHECK: quantc.quantize %{{.*}}, %{{.*}} : tensor<0x8xf32>, tensor<0x1xf32> -> tensor<0x8xi8>
func.func @zero_rows(%x: tensor<0x8xf32>, %s: tensor<0x1xf32>) -> tensor<0x8xi8> {
  %q = quantc.quantize %x, %s : tensor<0x8xf32>, tensor<0x1xf32> -> tensor<0x8xi8>
  return %q : tensor<0x8xi8>
}
