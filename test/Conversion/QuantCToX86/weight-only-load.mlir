// RUN: quantc-opt %s --quantc-bind-params --quantc-lower-weight-only-to-x86 --canonicalize --quantc-lower-params | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline="weights=load cpu=vnni" | FileCheck %s --check-prefix=LLVM

// A W4A16 GEMM whose i4 weight (stored [n, k]), group scales and zero
// points are parameters: no bytes are needed to compile. The prepare body
// packs each with the rule of the compile-time packer (WeightOnlyPacking):
// the weight's nibble pairs (q + 8, the odd vector's in the high nibble)
// into 2 panels x 256 rows x 32 bytes, the scale and the zero point (+ 8)
// into [group][n padded to 128] tables; the kernel reads the three state
// globals.
// CHECK: quantc.params = [{name = "q", type = tensor<100x256xi4>}, {name = "s", type = tensor<100x4xf32>}, {name = "z", type = tensor<100x4xi8>}]
// CHECK-SAME: quantc.state = [{bytes = 16384 : i64, symbol = "__quantc_state_0"}, {bytes = 2048 : i64, symbol = "__quantc_state_1"}, {bytes = 2048 : i64, symbol = "__quantc_state_2"}]
// CHECK-LABEL: func.func @w4a16
// CHECK-DAG: %[[W:.+]] = memref.get_global @__quantc_state_0 : memref<16384xi8>
// CHECK-DAG: %[[S:.+]] = memref.get_global @__quantc_state_1 : memref<512xf32>
// CHECK-DAG: %[[Z:.+]] = memref.get_global @__quantc_state_2 : memref<512xi32>
// CHECK: call @__quantc_x86_w4a16_gemm(%{{.+}}, %[[W]], %[[S]], %[[Z]], %{{.+}})
// CHECK-LABEL: func.func private @__quantc_prepare_body(
// CHECK-SAME: %[[Q:[^:]+]]: memref<100x256xi4>
// CHECK: %[[TQ:.+]] = bufferization.to_tensor %[[Q]]
// CHECK: %[[PW:.+]] = memref.get_global @__quantc_state_0 : memref<16384xi8>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[LO:.+]] = tensor.extract %[[TQ]]
// CHECK: arith.extsi %[[LO]] : i4 to i32
// CHECK: %[[HI:.+]] = tensor.extract %[[TQ]]
// CHECK: arith.extsi %[[HI]] : i4 to i32
// CHECK: %[[SH:.+]] = arith.shli
// CHECK: %[[OR:.+]] = arith.ori %{{.+}}, %[[SH]] : i32
// CHECK: %[[B:.+]] = arith.trunci %[[OR]] : i32 to i8
// CHECK: memref.store %[[B]], %[[PW]]
// CHECK: memref.get_global @__quantc_state_1 : memref<512xf32>
// CHECK: memref.store %{{.+}} : memref<512xf32>
// CHECK: memref.get_global @__quantc_state_2 : memref<512xi32>
// CHECK: memref.store %{{.+}} : memref<512xi32>
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
