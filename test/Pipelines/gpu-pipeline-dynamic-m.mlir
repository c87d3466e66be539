// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" | FileCheck %s
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=WGMMA
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa tma=1" | FileCheck %s --check-prefix=TMA
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}

// One compiled function for any number of tokens: a dynamic-M GEMM with a
// fused epilogue becomes a Tensor Core kernel. The host pads the rows to the
// row tile, and the launch wrapper computes grid.x from them and skips the
// launch (and every allocation and copy) when there are none; the kernel reads
// the number of row tiles from %nctaid.x.

// CHECK-NOT:   quantc.
// CHECK:       llvm.func @dyn
// CHECK:       llvm.call @__quantc_launch_gemm_0
// CHECK:       llvm.func @__quantc_launch_gemm_0
// CHECK:       %[[UP:.+]] = llvm.add %{{.+}}, %{{.+}} : i64
// CHECK:       %[[RT:.+]] = llvm.udiv %[[UP]], %{{.+}} : i64
// CHECK:       %[[GX:.+]] = llvm.mul %[[RT]], %{{.+}} : i64
// CHECK:       %[[ANY:.+]] = llvm.icmp "ne" %[[GX]], %{{.+}} : i64
// CHECK:       llvm.cond_br %[[ANY]], ^[[LAUNCH:.+]], ^[[DONE:[^ ]+]]
// CHECK:     ^[[LAUNCH]]:
// CHECK:       llvm.call @mgpuStreamCreate
// CHECK:       llvm.call @mgpuMemAlloc
// CHECK:       llvm.call @mgpuMemcpy
// CHECK:       gpu.launch_func <%{{.+}} : !llvm.ptr> @quantc_kernels::@gemm_0 blocks in (%[[GX]], %{{.+}}, %{{.+}}) threads in (%{{.+}}, %{{.+}}, %{{.+}}) : i64 dynamic_shared_memory_size %{{.+}} args(%{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr)
// CHECK:       llvm.call @mgpuMemFree
// CHECK:       llvm.call @mgpuStreamSynchronize
// CHECK:       llvm.br ^[[DONE]]
// CHECK:     ^[[DONE]]:
// CHECK-NEXT:  llvm.return
// CHECK:       gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME:  .entry gemm_0(
// CHECK-SAME:  %nctaid.x;
// CHECK-SAME:  cp.async.cg.shared.global
// CHECK-SAME:  ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:  mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// CHECK-SAME:  st.global.v2.b32

// WGMMA:       gpu.launch_func
// WGMMA:       #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}assembly = "
// WGMMA-SAME:  .entry gemm_0(
// WGMMA-SAME:  %nctaid.x;
// WGMMA-SAME:  wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8.satfinite
// WGMMA-SAME:  st.global.v2.b32

// TMA:         llvm.call @quantcTensorMap2D
// TMA:         llvm.call @quantcTensorMap2D
// TMA:         gpu.launch_func
// TMA:         llvm.call @quantcTensorMapFree
// TMA:         assembly = "
// TMA-SAME:    cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// TMA-SAME:    wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8.satfinite

// BIN: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @dyn(%x: tensor<?x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<?x1xf32>, %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>) -> tensor<?x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<?x256xi8>, tensor<512x256xi8> -> tensor<?x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b : (tensor<?x512xi32>, tensor<?x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>) -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}
