// RUN: quantc-opt %s --quantc-bind-params --quantc-lower-matmul-to-x86="nr=1 small-m=0" --quantc-lower-weight-only-to-x86 --quantc-lower-float-contractions-to-x86 --canonicalize --quantc-lower-params | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline="weights=load cpu=vnni" | FileCheck %s --check-prefix=LLVM
// RUN: quantc-opt %s --quantc-cpu-pipeline="weights=load cpu=vnni" | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni" 2>&1 | FileCheck %s --check-prefix=EMBED
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni" 2>&1 | FileCheck %s --check-prefix=EMBEDNOT

// Weights bound at load time. The int8 weight (W8A8, VNNI) is packed by the
// run-time packer called from the prepare body into two state globals (the
// panels and -128 * colsum) that the constant-weight kernel reads; the
// W8A16 weight stored [n, k] is laid out [panel][k][cols], zero-padded to
// whole panels, in the prepare body by the loops of the packing rule that
// also packs constants (WeightOnlyPacking.cpp; read where it lies, not
// first transposed to [k, n]); the float weight gets a raw
// copy. The prepare body takes the parameters as memrefs in index order.
// No blob bytes are needed to compile (none are given).

// CHECK: module attributes {quantc.params = [{name = "w", type = tensor<20x80xi8>}, {name = "q", type = tensor<70x100xi8>}, {name = "wf", type = tensor<80x20xf32>}, {name = "wkn", type = tensor<80x20xi8>}], quantc.state = [{bytes = 2560 : i64, symbol = "__quantc_state_0"}, {bytes = 128 : i64, symbol = "__quantc_state_1"}, {bytes = 2560 : i64, symbol = "__quantc_state_2"}, {bytes = 128 : i64, symbol = "__quantc_state_3"}, {bytes = 12800 : i64, symbol = "__quantc_state_4"}, {bytes = 6400 : i64, symbol = "__quantc_state_5"}]}
// CHECK-DAG: memref.global @__quantc_state_0 : memref<2x20x64xi8> = dense<0> {alignment = 64 : i64}
// CHECK-DAG: memref.global @__quantc_state_1 : memref<32xi32> = dense<0> {alignment = 64 : i64}
// CHECK-DAG: memref.global @__quantc_state_4 : memref<12800xi8> = dense<0> {alignment = 64 : i64}
// CHECK-DAG: memref.global @__quantc_state_5 : memref<80x20xf32> = dense<0.000000e+00> {alignment = 64 : i64}
// CHECK-NOT: quantc.param
// CHECK-LABEL: func.func @int8
// CHECK-DAG: %[[P:.+]] = memref.get_global @__quantc_state_0 : memref<2x20x64xi8>
// CHECK-DAG: %[[C:.+]] = memref.get_global @__quantc_state_1 : memref<32xi32>
// CHECK: call @__quantc_x86_gemm(%{{.+}}, %[[P]], %[[C]], %{{.+}}) : (memref<3x80xi8>, memref<2x20x64xi8>, memref<32xi32>, memref<3x20xi32>, index, index) -> ()
// CHECK-LABEL: func.func @w8a16
// CHECK: %[[Q:.+]] = memref.get_global @__quantc_state_4 : memref<12800xi8>
// CHECK: call @__quantc_x86_w8a16_gemm(%{{.+}}, %[[Q]], %{{.+}})
// CHECK-LABEL: func.func @float
// CHECK: %[[F:.+]] = memref.get_global @__quantc_state_5 : memref<80x20xf32>
// CHECK: bufferization.to_tensor %[[F]] restrict : memref<80x20xf32> to tensor<80x20xf32>
// CHECK: call @__quantc_x86_sgemm
// CHECK: func.func private @__quantc_x86_pack_weights(%{{.+}}: memref<20x80xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %{{.+}}: memref<2x20x64xi8> {llvm.noalias}, %{{.+}}: memref<32xi32> {llvm.noalias})
// CHECK-NOT: quantc.x86_plan
// CHECK: quantc.x86.vpdpbusd
// CHECK: func.func private @__quantc_prepare_body(%[[A0:.+]]: memref<20x80xi8> {bufferization.writable = false}, %[[A1:.+]]: memref<70x100xi8> {bufferization.writable = false}, %[[A2:.+]]: memref<80x20xf32> {bufferization.writable = false}, %{{.+}}: memref<80x20xi8> {bufferization.writable = false})
// CHECK: %[[T0:.+]] = bufferization.to_tensor %[[A0]] restrict : memref<20x80xi8> to tensor<20x80xi8>
// CHECK: %[[WB:.+]] = bufferization.to_buffer %[[T0]] read_only : tensor<20x80xi8> to memref<20x80xi8, strided<[?, 1], offset: ?>>
// CHECK: %[[G0:.+]] = memref.get_global @__quantc_state_0
// CHECK: %[[G1:.+]] = memref.get_global @__quantc_state_1
// CHECK: call @__quantc_x86_pack_weights(%[[WB]], %[[G0]], %[[G1]])
// CHECK: %[[T1:.+]] = bufferization.to_tensor %[[A1]] restrict : memref<70x100xi8> to tensor<70x100xi8>
// CHECK-NOT: linalg.transpose
// CHECK: %[[G4:.+]] = memref.get_global @__quantc_state_4 : memref<12800xi8>
// CHECK: scf.for %[[JR:.+]] = %{{.+}} to %{{.+}} step
// CHECK: scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step
// CHECK: scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step
// CHECK: %[[V:.+]] = tensor.extract %[[T1]][%{{.+}}, %[[K]]] : tensor<70x100xi8>
// CHECK: vector.store %{{.+}}, %[[G4]][%{{.+}}] : memref<12800xi8>, vector<16xi8>
// CHECK: %[[T2:.+]] = bufferization.to_tensor %[[A2]] restrict : memref<80x20xf32> to tensor<80x20xf32>
// CHECK: %[[G3:.+]] = memref.get_global @__quantc_state_5 : memref<80x20xf32>
// CHECK: bufferization.materialize_in_destination %[[T2]] in restrict writable %[[G3]]

// LLVM-DAG: llvm.mlir.global external @__quantc_state_0(dense<0> : tensor<{{.+}}xi8>) {addr_space = 0 : i32, alignment = 64 : i64}
// LLVM-DAG: llvm.mlir.global external @__quantc_state_5(dense<0.000000e+00> : tensor<80x20xf32>) {addr_space = 0 : i32, alignment = 64 : i64}
// LLVM-NOT: dense_resource
// LLVM: llvm.func @__quantc_prepare(%[[PS:.+]]: !llvm.ptr) {
// LLVM: %[[S0:.+]] = llvm.getelementptr %[[PS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// LLVM: %[[P0:.+]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// LLVM: %[[S1:.+]] = llvm.getelementptr %[[PS]][1]
// LLVM: %[[S2:.+]] = llvm.getelementptr %[[PS]][2]
// LLVM: llvm.call @__quantc_prepare_body(%[[P0]], %[[P0]], {{.+}}) : (!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64) -> ()

// IR-DAG: @__quantc_state_0 = global [{{.+}}] zeroinitializer, align 64
// IR-DAG: @__quantc_state_5 = global [80 x [20 x float]] zeroinitializer, align 64
// IR-DAG: define void @__quantc_prepare(ptr %0)

// The embed path (quantc-opt's default): the weights are constants of the
// code, which must be packed at compile time: without their bytes (none
// given here) the int8 GEMM stays on the reference lowering; no
// parameters, no prepare.
// EMBED-DAG: remark: runs on the reference lowering, not the avx512-vnni kernel: the bytes of the constant weight cannot be read
// EMBED-DAG: llvm.mlir.global private constant @__constant_20x80xi8(dense_resource<w> : tensor<20x80xi8>)
// EMBEDNOT-NOT: quantc.params
// EMBEDNOT-NOT: __quantc_prepare
// EMBEDNOT-NOT: __quantc_state
func.func @int8(%x: tensor<3x80xi8>) -> tensor<3x20xi32> {
  %w = arith.constant dense_resource<w> : tensor<20x80xi8>
  %r = quantc.matmul %x, %w : tensor<3x80xi8>, tensor<20x80xi8> -> tensor<3x20xi32>
  return %r : tensor<3x20xi32>
}

func.func @w8a16(%x: tensor<5x100xf32>) -> tensor<5x70xf32> {
  %w = arith.constant dense_resource<q> : tensor<70x100xi8>
  %s = arith.constant dense<0.5> : tensor<70x1xf32>
  %d = quantc.dequantize %w, %s : tensor<70x100xi8>, tensor<70x1xf32> -> tensor<70x100xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x70xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<5x70xf32>) -> tensor<5x70xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %d : tensor<5x100xf32>, tensor<70x100xf32>) outs(%f : tensor<5x70xf32>) -> tensor<5x70xf32>
  return %r : tensor<5x70xf32>
}

func.func @float(%x: tensor<3x80xf32>) -> tensor<3x20xf32> {
  %w = arith.constant dense_resource<wf> : tensor<80x20xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x20xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<3x20xf32>) -> tensor<3x20xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x80xf32>, tensor<80x20xf32>) outs(%f : tensor<3x20xf32>) -> tensor<3x20xf32>
  return %r : tensor<3x20xf32>
}

// A weight stored [k, n] (a traced nn.Linear's, transposed for the GEMM):
// packed from where it lies by the [k, n] packer, no transpose left.
// RUN: quantc-opt %s --quantc-bind-params --quantc-lower-matmul-to-x86="nr=1 small-m=0" --canonicalize --quantc-lower-params | FileCheck %s --check-prefix=KN
// KN-LABEL: func.func @int8_kn
// KN-NOT: linalg.transpose
// KN: call @__quantc_x86_gemm
// KN-LABEL: func.func private @__quantc_prepare_body
// KN: %[[B:.+]] = bufferization.to_buffer %{{.+}} read_only : tensor<80x20xi8> to memref<80x20xi8, strided<[?, 1], offset: ?>>
// KN-NEXT: %[[P:.+]] = memref.get_global @__quantc_state_{{[0-9]+}} : memref<2x20x64xi8>
// KN-NEXT: %[[C:.+]] = memref.get_global @__quantc_state_{{[0-9]+}} : memref<32xi32>
// KN-NEXT: call @[[PACK:__quantc_x86_pack_weights[_0-9]*]](%[[B]], %[[P]], %[[C]])
// KN: func.func private @[[PACK]](%{{.+}}: memref<80x20xi8, strided<[?, 1], offset: ?>> {llvm.noalias}, %{{.+}}: memref<2x20x64xi8> {llvm.noalias}, %{{.+}}: memref<32xi32> {llvm.noalias})
func.func @int8_kn(%x: tensor<3x80xi8>) -> tensor<3x20xi32> {
  %w = arith.constant dense_resource<wkn> : tensor<80x20xi8>
  %e = tensor.empty() : tensor<20x80xi8>
  %t = linalg.transpose ins(%w : tensor<80x20xi8>) outs(%e : tensor<20x80xi8>) permutation = [1, 0]
  %r = quantc.matmul %x, %t : tensor<3x80xi8>, tensor<20x80xi8> -> tensor<3x20xi32>
  return %r : tensor<3x20xi32>
}
