// RUN: quantc-opt %s --quantc-bind-params --quantc-lower-weight-only-to-x86 --canonicalize --quantc-lower-params | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline="weights=load cpu=vnni" | FileCheck %s --check-prefix=LLVM

// A W4A16 GEMM whose i4 weight (stored [n, k]), group scales and zero
// points are parameters: no bytes are needed to compile. The prepare body
// packs each with the rule of the compile-time packer (WeightOnlyPacking):
// the weight's nibble pairs (q + 8, the odd vector's in the high nibble)
// into 2 panels x 256 rows x 32 bytes, the scale and the zero point (+ 8)
// into [group][n padded to 128] tables; the kernel reads the three state
// globals.
// CHECK: quantc.params = [{name = "q", type = tensor<100x256xi4>}, {name = "s", type = tensor<100x4xf32>}, {name = "z", type = tensor<100x4xi8>}, {name = "q2", type = tensor<256x100xi4>}]
// CHECK-SAME: quantc.state = [{bytes = 16384 : i64, symbol = "__quantc_state_0"}, {bytes = 2048 : i64, symbol = "__quantc_state_1"}, {bytes = 2048 : i64, symbol = "__quantc_state_2"}, {bytes = 16384 : i64, symbol = "__quantc_state_3"}, {bytes = 25600 : i64, symbol = "__quantc_state_4"}]
// CHECK-LABEL: func.func @w4a16
// CHECK-DAG: %[[W:.+]] = memref.get_global @__quantc_state_0 : memref<16384xi8>
// CHECK-DAG: %[[S:.+]] = memref.get_global @__quantc_state_1 : memref<512xf32>
// CHECK-DAG: %[[Z:.+]] = memref.get_global @__quantc_state_2 : memref<512xi32>
// CHECK: call @__quantc_x86_w4a16_gemm(%{{.+}}, %[[W]], %[[S]], %[[Z]], %{{.+}})
// CHECK-LABEL: func.func @w4a16_kn
// CHECK: %[[W2:.+]] = memref.get_global @__quantc_state_3 : memref<16384xi8>
// CHECK: call @__quantc_x86_w4a16_gemm_0(%{{.+}}, %[[W2]], %{{.+}})
// CHECK-LABEL: func.func @raw
// CHECK: memref.get_global @__quantc_state_4 : memref<100x256xi4>
// The i4 parameter comes to the prepare body as its bytes (i8): read as
// 16 scalars a vector where stored [n, k], with a masked vector load where
// stored [k, n] (@w4a16_kn).
// CHECK-LABEL: func.func private @__quantc_prepare_body(
// CHECK-SAME: %[[Q:[^:]+]]: memref<100x256xi8>
// CHECK-SAME: %[[Q2:[^:]+]]: memref<256x100xi8>
// CHECK: %[[TQ:.+]] = bufferization.to_tensor %[[Q]]
// CHECK: %[[PW:.+]] = memref.get_global @__quantc_state_0 : memref<16384xi8>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %[[TQ]]
// CHECK: vector.from_elements
// CHECK: %[[LO:.+]] = arith.extsi %{{.+}} : vector<16xi8> to vector<16xi32>
// CHECK: %[[HI:.+]] = arith.extsi %{{.+}} : vector<16xi8> to vector<16xi32>
// CHECK: %[[SH:.+]] = arith.shli
// CHECK: %[[OR:.+]] = arith.ori %{{.+}}, %[[SH]] : vector<16xi32>
// CHECK: %[[B:.+]] = arith.trunci %[[OR]] : vector<16xi32> to vector<16xi8>
// CHECK: vector.store %[[B]], %[[PW]]
// CHECK: memref.get_global @__quantc_state_1 : memref<512xf32>
// CHECK: vector.store %{{.+}} : memref<512xf32>, vector<16xf32>
// CHECK: memref.get_global @__quantc_state_2 : memref<512xi32>
// CHECK: vector.store %{{.+}} : memref<512xi32>, vector<16xi32>
// CHECK: %[[TQ2:.+]] = bufferization.to_tensor %[[Q2]]
// CHECK: %[[B2:.+]] = bufferization.to_buffer %[[TQ2]]
// CHECK: vector.maskedload %[[B2]]
// CHECK: vector.maskedload %[[B2]]
// LLVM: llvm.func @__quantc_prepare(
// LLVM-NOT: dense_resource
func.func @w4a16(%x: tensor<3x256xf32>) -> tensor<3x100xf32> {
  %q = arith.constant dense_resource<q> : tensor<100x256xi4>
  %s = arith.constant dense_resource<s> : tensor<100x4xf32>
  %z = arith.constant dense_resource<z> : tensor<100x4xi8>
  %w = quantc.dequantize %q, %s zero_point %z : tensor<100x256xi4>, tensor<100x4xf32>, tensor<100x4xi8> -> tensor<100x256xf32>
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x100xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<3x100xf32>) -> tensor<3x100xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<3x256xf32>, tensor<100x256xf32>) outs(%f : tensor<3x100xf32>) -> tensor<3x100xf32>
  return %r : tensor<3x100xf32>
}

func.func @w4a16_kn(%x: tensor<3x256xf32>) -> tensor<3x100xf32> {
  %q = arith.constant dense_resource<q2> : tensor<256x100xi4>
  %s = arith.constant dense<0.5> : tensor<1x100xf32>
  %w = quantc.dequantize %q, %s : tensor<256x100xi4>, tensor<1x100xf32> -> tensor<256x100xf32>
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x100xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<3x100xf32>) -> tensor<3x100xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x256xf32>, tensor<256x100xf32>) outs(%f : tensor<3x100xf32>) -> tensor<3x100xf32>
  return %r : tensor<3x100xf32>
}

// The same i4 parameter read as it is (here returned): a raw i4 state copy
// (@raw above), the i8 bytes truncated in the prepare body, next to the
// packed one.
// CHECK: linalg.generic
// CHECK: arith.trunci %{{.+}} : i8 to i4
// CHECK: bufferization.materialize_in_destination %{{.+}} in restrict writable %{{.+}} : (tensor<100x256xi4>, memref<100x256xi4>)
func.func @raw() -> tensor<100x256xi4> {
  %q = arith.constant dense_resource<q> : tensor<100x256xi4>
  return %q : tensor<100x256xi4>
}
