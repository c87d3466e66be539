// RUN: quantc-opt %s --quantc-split-k -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-split-k="max-chunk=1000" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=CHUNK

// i8 arguments span [-128, 127]: 128 * 128 * K < 2^31 holds up to K = 131071;
// the analysis' chunk is the largest multiple of the K tile (32) below.
// CHECK-LABEL: func.func @overflow
// CHECK: %[[X0:.+]] = tensor.extract_slice %arg0[0, 0] [2, 131040] [1, 1]
// CHECK: %[[W0:.+]] = tensor.extract_slice %arg1[0, 0] [4, 131040] [1, 1]
// CHECK: %[[A0:.+]] = quantc.matmul %[[X0]], %[[W0]] : tensor<2x131040xi8>, tensor<4x131040xi8> -> tensor<2x4xi32>
// CHECK: %[[E0:.+]] = arith.extsi %[[A0]] : tensor<2x4xi32> to tensor<2x4xi64>
// CHECK: tensor.extract_slice %arg0[0, 131040] [2, 8960] [1, 1]
// CHECK: %[[A1:.+]] = quantc.matmul {{.*}} : tensor<2x8960xi8>, tensor<4x8960xi8> -> tensor<2x4xi32>
// CHECK: %[[E1:.+]] = arith.extsi %[[A1]]
// CHECK: %[[S:.+]] = arith.addi %[[E0]], %[[E1]] : tensor<2x4xi64>
// CHECK: quantc.rescale %[[S]], {{.*}} : (tensor<2x4xi64>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
// max-chunk=1000 is rounded down to 960 (a multiple of 64): 146 chunks.
// CHUNK-LABEL: func.func @overflow
// CHUNK-COUNT-146: quantc.matmul {{.*}} -> tensor<2x4xi32>
// CHUNK-NOT: quantc.matmul
// CHUNK: quantc.rescale
func.func @overflow(%x: tensor<2x140000xi8>, %w: tensor<4x140000xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x140000xi8>, tensor<4x140000xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Within the int32 range: unchanged (without max-chunk).
// CHECK-LABEL: func.func @safe
// CHECK: quantc.matmul %arg0, %arg1 : tensor<2x4096xi8>, tensor<4x4096xi8> -> tensor<2x4xi32>
// CHECK-NOT: arith.extsi
// CHUNK-LABEL: func.func @safe
// CHUNK-COUNT-5: quantc.matmul
// CHUNK-NOT: quantc.matmul
// CHUNK: quantc.rescale
func.func @safe(%x: tensor<2x4096xi8>, %w: tensor<4x4096xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x4096xi8>, tensor<4x4096xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A constant weight is sliced at compile time (kernels need constants).
// CHECK-LABEL: func.func @constant_weight
// CHECK-DAG: arith.constant dense<3> : tensor<4x131040xi8>
// CHECK-DAG: arith.constant dense<3> : tensor<4x8960xi8>
// CHECK-NOT: tensor.extract_slice %cst
func.func @constant_weight(%x: tensor<2x140000xi8>) -> tensor<2x4xf32> {
  %w = arith.constant dense<3> : tensor<4x140000xi8>
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x140000xi8>, tensor<4x140000xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// The i32 result itself escapes: no wider accumulator can replace it.
func.func @escapes(%x: tensor<2x140000xi8>, %w: tensor<4x140000xi8>) -> tensor<2x4xi32> {
  // expected-error @+1 {{the int32 accumulator can overflow (K = 140000, at most 131040 per int32 sum), and its result is used by 'func.return', which cannot take the int64 sum of a split reduction}}
  %acc = quantc.matmul %x, %w : tensor<2x140000xi8>, tensor<4x140000xi8> -> tensor<2x4xi32>
  return %acc : tensor<2x4xi32>
}

// -----

// Transposed layouts are sliced along their own reduction dimension (the
// lhs's first, the rhs's middle one, the batch kept); a constant is sliced
// at compile time along it.
// CHECK-LABEL: func.func @layouts
// CHECK: tensor.extract_slice %arg0[0, 0, 0] [2, 131040, 3] [1, 1, 1] : tensor<2x140000x3xi8> to tensor<2x131040x3xi8>
// CHECK: tensor.extract_slice %arg1[0, 0, 0] [2, 131040, 4] [1, 1, 1] : tensor<2x140000x4xi8> to tensor<2x131040x4xi8>
// CHECK: quantc.matmul {{.*}} {transpose_lhs, transpose_rhs} : tensor<2x131040x3xi8>, tensor<2x131040x4xi8> -> tensor<2x3x4xi32>
// CHECK: tensor.extract_slice %arg0[0, 131040, 0] [2, 8960, 3] [1, 1, 1]
// CHECK: quantc.matmul {{.*}} {transpose_lhs, transpose_rhs} : tensor<2x8960x3xi8>, tensor<2x8960x4xi8> -> tensor<2x3x4xi32>
// CHUNK-LABEL: func.func @layouts
// CHUNK-COUNT-146: quantc.matmul {{.*}} {transpose_lhs, transpose_rhs}
// CHUNK-NOT: quantc.matmul
func.func @layouts(%x: tensor<2x140000x3xi8>, %w: tensor<2x140000x4xi8>) -> tensor<2x3x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w {transpose_lhs, transpose_rhs} : tensor<2x140000x3xi8>, tensor<2x140000x4xi8> -> tensor<2x3x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x3x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}


// -----

// A zero point widens the factors: x - (-128) spans [0, 255], so 255 * 128 * K
// < 2^31 holds up to K = 65793 only (65792 a multiple of 32), although
// 128 * 128 * 100000 would fit. Unsplit, the int32 sum wrapped.
// CHECK-LABEL: func.func @zero_point
// CHECK: quantc.matmul {{.*}} lhs_zero_point(%{{.+}} : tensor<1x1xi32>) : tensor<2x65792xi8>, tensor<4x65792xi8> -> tensor<2x4xi32>
// CHECK: quantc.matmul {{.*}} lhs_zero_point(%{{.+}} : tensor<1x1xi32>) : tensor<2x34208xi8>, tensor<4x34208xi8> -> tensor<2x4xi32>
// CHECK: arith.addi {{.*}} : tensor<2x4xi64>
// max-chunk=1000: 960-element chunks, 105 of them.
// CHUNK-LABEL: func.func @zero_point
// CHUNK-COUNT-105: quantc.matmul {{.*}} lhs_zero_point
// CHUNK-NOT: quantc.matmul
func.func @zero_point(%x: tensor<2x100000xi8>, %w: tensor<4x100000xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %zx = arith.constant dense<-128> : tensor<1x1xi32>
  %acc = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) : tensor<2x100000xi8>, tensor<4x100000xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// An empty result (0 rows, 0 batches) sums nothing: left whole. Before, the
// chunks sliced the 0-size dimension at offset 0, which the verifier
// rejects ("offset 0 is out-of-bounds: 0 >= 0").
// CHECK-LABEL: func.func @empty_rows
// CHECK: quantc.matmul %arg0, %arg1 : tensor<0x140000xi8>, tensor<4x140000xi8> -> tensor<0x4xi32>
// CHECK-NOT: arith.extsi
// CHECK-LABEL: func.func @empty_batch
// CHECK: quantc.matmul %arg0, %arg1 : tensor<0x2x140000xi8>, tensor<4x140000xi8> -> tensor<0x2x4xi32>
// CHECK-NOT: arith.extsi
// CHUNK-LABEL: func.func @empty_rows
// CHUNK-NOT: tensor.extract_slice
// CHUNK-LABEL: func.func @empty_batch
// CHUNK-NOT: tensor.extract_slice
func.func @empty_rows(%x: tensor<0x140000xi8>, %w: tensor<4x140000xi8>) -> tensor<0x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<0x140000xi8>, tensor<4x140000xi8> -> tensor<0x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<0x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<0x4xf32>
  return %y : tensor<0x4xf32>
}
func.func @empty_batch(%x: tensor<0x2x140000xi8>, %w: tensor<4x140000xi8>) -> tensor<0x2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<0x2x140000xi8>, tensor<4x140000xi8> -> tensor<0x2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<0x2x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<0x2x4xf32>
  return %y : tensor<0x2x4xf32>
}
