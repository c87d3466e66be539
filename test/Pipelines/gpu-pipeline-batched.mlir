// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" 2>&1 | FileCheck %s
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa tma=1" 2>&1 | FileCheck %s --check-prefix=TMA
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=bin" | FileCheck %s --check-prefix=BIN90 %}
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN90A %}

// Attention's two batched GEMMs through the whole GPU pipeline: Q.K^T (NT,
// static, with the rescale to f32 fused: a per-token scale per batch) and
// P.V (NN: V transposed on the host; a dynamic number of query tokens).
// Both run as Tensor Core kernels launched with grid.z = 32, which read
// their batch from %ctaid.z; ptxas assembles them.

// CHECK:       remark: the Tensor Core kernel reads a [..., N, C] lhs and a [..., D, C] rhs: the transposed rhs is copied into that layout on every call
// CHECK:       module attributes {gpu.container_module}
// CHECK-NOT:   quantc.
// CHECK:       llvm.func @attention
// CHECK:       llvm.call @__quantc_launch_gemm_0
// CHECK:       llvm.call @__quantc_launch_gemm_1
// CHECK:       llvm.func @__quantc_launch_gemm_0
// CHECK:       %[[Z0:.+]] = llvm.mlir.constant(32 : index) : i64
// CHECK:       gpu.launch_func <%{{.+}} : !llvm.ptr> @quantc_kernels::@gemm_0 blocks in (%{{.+}}, %{{.+}}, %[[Z0]])
// CHECK:       llvm.func @__quantc_launch_gemm_1
// CHECK:       %[[UP:.+]] = llvm.add %{{.+}}, %{{.+}} : i64
// CHECK:       %[[GX:.+]] = llvm.udiv %[[UP]], %{{.+}} : i64
// CHECK:       %[[ANY:.+]] = llvm.icmp "ne" %[[GX]], %{{.+}} : i64
// CHECK:       llvm.cond_br %[[ANY]]
// CHECK:       gpu.launch_func <%{{.+}} : !llvm.ptr> @quantc_kernels::@gemm_1 blocks in (%[[GX]], %{{.+}}, %{{.+}})
// CHECK:       gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME:  .entry gemm_0(
// CHECK-SAME:  %ctaid.z;
// CHECK-SAME:  cp.async.cg.shared.global
// CHECK-SAME:  mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// CHECK-SAME:  st.global.v2.b32
// CHECK-SAME:  .entry gemm_1(
// CHECK-SAME:  %nctaid.x;
// CHECK-SAME:  %ctaid.z;
// CHECK-SAME:  mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// CHECK-SAME:  st.global.v2.b32

// WGMMA:       assembly = "
// WGMMA-SAME:  .entry gemm_0(
// WGMMA-SAME:  %ctaid.z;
// WGMMA-SAME:  wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8.satfinite
// WGMMA-SAME:  .entry gemm_1(
// WGMMA-SAME:  %ctaid.z;
// WGMMA-SAME:  wgmma.mma_async.sync.aligned.m64n{{[0-9]+}}k32.s32.s8.s8.satfinite

// tma=1: the tensor maps describe one 2-D matrix, so batched kernels say
// that they load with cp.async.
// TMA:         remark: tma=1 is not applied to this batched GEMM: its wgmma kernel loads tiles with cp.async
// TMA-NOT:     quantcTensorMap2D
// TMA:         assembly = "
// TMA-NOT:     cp.async.bulk.tensor
// TMA-SAME:    wgmma.mma_async

// BIN90: #nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// BIN90A: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @attention(%q: tensor<32x128x128xi8>, %k: tensor<32x128x128xi8>, %qs: tensor<32x128x1xf32>, %ks: tensor<1x1x1xf32>,
                     %p: tensor<32x?x128xi8>, %v: tensor<32x128x128xi8>) -> (tensor<32x128x128xf32>, tensor<32x?x128xi32>) {
  %s = quantc.matmul %q, %k : tensor<32x128x128xi8>, tensor<32x128x128xi8> -> tensor<32x128x128xi32>
  %sf = quantc.rescale %s, %qs, %ks : (tensor<32x128x128xi32>, tensor<32x128x1xf32>, tensor<1x1x1xf32>) -> tensor<32x128x128xf32>
  %o = quantc.matmul %p, %v {transpose_rhs} : tensor<32x?x128xi8>, tensor<32x128x128xi8> -> tensor<32x?x128xi32>
  return %sf, %o : tensor<32x128x128xf32>, tensor<32x?x128xi32>
}
