// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" | FileCheck %s
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_80 format=isa" | FileCheck %s --check-prefix=SM80

// The PTX of the outlined kernel (format=isa, no ptxas needed) holds the
// int8 Tensor Core MMA, the ldmatrix fragment loads and the cp.async copies;
// the host side is LLVM dialect that launches it.

// CHECK-NOT:   quantc.
// CHECK:       llvm.func @gemm
// CHECK:       llvm.call @__quantc_launch_gemm_0
// CHECK:       llvm.func @__quantc_launch_gemm_0
// CHECK:       llvm.call @mgpuStreamCreate
// CHECK:       llvm.call @mgpuMemAlloc
// CHECK:       llvm.call @mgpuMemcpy
// CHECK:       gpu.launch_func <%{{.+}} : !llvm.ptr> @quantc_kernels::@gemm_0 blocks in (%{{.+}}, %{{.+}}, %{{.+}}) threads in (%{{.+}}, %{{.+}}, %{{.+}}) : i64 dynamic_shared_memory_size %{{.+}} args(%{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr)
// CHECK:       llvm.call @mgpuMemFree
// CHECK:       llvm.call @mgpuStreamSynchronize
// CHECK:       gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME:  .target sm_90
// CHECK-SAME:  .entry gemm_0(
// CHECK-SAME:  cp.async.cg.shared.global{{.}}[%rd{{[0-9]+}}{{(\+[0-9]+)?}}], [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], 16;
// CHECK-SAME:  cp.async.commit_group;
// CHECK-SAME:  cp.async.wait_group
// CHECK-SAME:  bar.sync
// CHECK-SAME:  ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME:  cp.async.cg.shared.global{{.}}[%rd{{[0-9]+}}{{(\+[0-9]+)?}}], [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], 16, %r{{[0-9]+}};
// CHECK-SAME:  mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// CHECK-SAME:  st.global

// SM80: #nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, {{.*}}assembly = "
// SM80-SAME: .target sm_80
// SM80-SAME: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
func.func @gemm(%x: tensor<128x1024xi8>, %w: tensor<128x1024xi8>) -> tensor<128x128xi32> {
  %acc = quantc.matmul %x, %w : tensor<128x1024xi8>, tensor<128x1024xi8> -> tensor<128x128xi32>
  return %acc : tensor<128x128xi32>
}
