// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa tma=1" | FileCheck %s --check-prefix=TMA
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin tma=1" | FileCheck %s --check-prefix=BIN %}

// The Hopper kernel in PTX: cp.async into swizzled tiles, the proxy fence,
// wgmma m64n256k32 s8 with satfinite, commit and wait groups; with ptxas, a
// cubin for sm_90a.

// CHECK: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME: .target sm_90a
// CHECK-SAME: cp.async.cg.shared.global
// CHECK-SAME: fence.proxy.async.shared::cta;
// CHECK-SAME: bar.sync
// CHECK-SAME: wgmma.fence.sync.aligned;
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8.satfinite
// CHECK-SAME: wgmma.commit_group.sync.aligned;
// CHECK-SAME: wgmma.wait_group.sync.aligned \091;
// CHECK-SAME: wgmma.wait_group.sync.aligned \090;

// TMA: llvm.call @quantcTensorMap2D
// TMA: llvm.call @quantcTensorMap2D
// TMA: gpu.launch_func {{.+}} args({{.+}} : !llvm.ptr, {{.+}} : !llvm.ptr, {{.+}} : !llvm.ptr, {{.+}} : !llvm.ptr, {{.+}} : !llvm.ptr)
// TMA: llvm.call @quantcTensorMapFree
// TMA: assembly = "
// TMA-SAME: mbarrier.init.shared.b64
// TMA-SAME: prefetch.tensormap
// TMA-SAME: mbarrier.arrive.expect_tx.shared.b64
// TMA-SAME: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// TMA-SAME: mbarrier.try_wait.parity.shared.b64
// TMA-SAME: wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8.satfinite

// BIN: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @gemm(%x: tensor<4096x256xi8>, %w: tensor<2048x256xi8>) -> tensor<4096x2048xi32> {
  %acc = quantc.matmul %x, %w : tensor<4096x256xi8>, tensor<2048x256xi8> -> tensor<4096x2048xi32>
  return %acc : tensor<4096x2048xi32>
}
