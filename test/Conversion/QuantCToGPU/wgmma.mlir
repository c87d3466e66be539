// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a" -split-input-file | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90" -split-input-file | FileCheck %s --check-prefix=SM90
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a tma=1" -split-input-file | FileCheck %s --check-prefix=TMA

// chip=sm_90a: the Hopper kernel. Two warpgroups of 128 threads, each owning
// 64 rows; cp.async into K-major 128-byte-swizzled tiles (chunk c of row r at
// c ^ (r % 8)); the async-proxy fence before the barrier; wgmma m64n256k32
// s8 x s8 -> s32 from shared-memory descriptors (swizzle mode 1 in bits
// 62-63, SBO 1024 >> 4 = 64 in bits 32-45, LBO 1), one group kept in flight.

// CHECK-LABEL: func.func private @__quantc_launch_gemm_0
// CHECK-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [256, 1, 1], block = [256, 1, 1], shared_bytes = 197632>
// CHECK:       gpu.func @gemm_0
// CHECK-SAME:    known_block_size = array<i32: 256, 1, 1>
// CHECK:         %[[RAW:.+]] = memref.extract_aligned_pointer_as_index %{{.+}} : memref<?xi8, #gpu.address_space<workgroup>> -> index
// CHECK:         memref.view {{.+}} to memref<4x16384xi8, #gpu.address_space<workgroup>>
// CHECK:         memref.view {{.+}} to memref<4x32768xi8, #gpu.address_space<workgroup>>
// CHECK:         arith.xori
// CHECK:         nvgpu.device_async_copy {{.+}} : memref<4096x256xi8> to memref<4x16384xi8, #gpu.address_space<workgroup>>
// CHECK:         nvgpu.device_async_copy {{.+}} : memref<2048x256xi8> to memref<4x32768xi8, #gpu.address_space<workgroup>>
// CHECK:         arith.constant 4611686293305360384 : i64
// CHECK:         scf.for {{.+}} -> (!llvm.struct<(i32, {{.+}})>) {
// CHECK:           nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK-NEXT:      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT:      gpu.barrier
// CHECK:           nvvm.wgmma.fence.aligned
// CHECK-COUNT-4:   nvvm.wgmma.mma_async {{.+}}, <m = 64, n = 256, k = 32>, D[<s32>, <one>, <satfinite>], A[<s8>, <one>, <row>], B[<s8>, <one>, <col>]
// CHECK:           nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT:      nvvm.wgmma.wait.group.sync.aligned 1
// CHECK:         nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:         llvm.extractvalue
// CHECK:         vector.store %{{.+}} {alignment = 8 : i64} : memref<4096x2048xi32>, vector<2xi32>

// tma=1: tensor maps (made by the launch wrapper) as two extra kernel
// arguments; thread 0 initialises one mbarrier per stage, arms it with the
// stage's bytes (128x128 + 256x128) and issues both TMA copies (coordinates
// innermost first: K, then the row); the loop waits on the stage's phase.
// TMA-LABEL: func.func private @__quantc_launch_gemm_0
// TMA-SAME:  #quantc.gpu_launch<{{.+}}, tma_box = [128, 256, 128]>
// TMA:       gpu.func @gemm_0({{.+}}, %[[TA:.+]]: !llvm.ptr, %[[TB:.+]]: !llvm.ptr) kernel
// TMA:         %[[DA:.+]] = builtin.unrealized_conversion_cast %[[TA]] : !llvm.ptr to !nvgpu.tensormap.descriptor<tensor = memref<128x128xi8, 3>, swizzle = swizzle_128b
// TMA:         %[[DB:.+]] = builtin.unrealized_conversion_cast %[[TB]] : !llvm.ptr to !nvgpu.tensormap.descriptor<tensor = memref<256x128xi8, 3>, swizzle = swizzle_128b
// TMA:         %[[MB:.+]] = nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 4>
// TMA:         scf.if
// TMA-COUNT-4:   nvgpu.mbarrier.init %[[MB]][%{{.+}}], %c1
// TMA:         gpu.barrier
// TMA:         scf.if
// TMA:           nvgpu.mbarrier.arrive.expect_tx %[[MB]][%c0], %c49152
// TMA:           nvgpu.tma.async.load %[[DA]][%{{.+}}, %{{.+}}], %[[MB]][%c0] to
// TMA:           nvgpu.tma.async.load %[[DB]][%{{.+}}, %{{.+}}], %[[MB]][%c0] to
// TMA:         scf.for
// TMA:           nvgpu.mbarrier.try_wait.parity %[[MB]][%{{.+}}], %{{.+}}, %{{.+}}
// TMA-NOT:       nvgpu.device_async_copy
// TMA-COUNT-4:   nvvm.wgmma.mma_async
// TMA:           nvvm.wgmma.wait.group.sync.aligned 1
// TMA-NEXT:      gpu.barrier
// TMA:           scf.if
// TMA:             nvgpu.mbarrier.arrive.expect_tx
// TMA:             nvgpu.tma.async.load
// TMA:             nvgpu.tma.async.load

// SM90-LABEL: gpu.func @gemm_0
// SM90-NOT:   nvvm.wgmma
// SM90:       nvgpu.mma.sync
func.func @gemm(%x: tensor<4096x256xi8>, %w: tensor<2048x256xi8>) -> tensor<4096x2048xi32> {
  %acc = quantc.matmul %x, %w : tensor<4096x256xi8>, tensor<2048x256xi8> -> tensor<4096x2048xi32>
  return %acc : tensor<4096x2048xi32>
}

// -----

// Shapes the wgmma tiles do not fit (M not a multiple of 128) use mma.sync.

// CHECK-LABEL: func.func @skinny
// CHECK:       gpu.func @gemm_0
// CHECK-NOT:   nvvm.wgmma
// CHECK:       nvgpu.mma.sync
func.func @skinny(%x: tensor<16x1024xi8>, %w: tensor<1024x1024xi8>) -> tensor<16x1024xi32> {
  %acc = quantc.matmul %x, %w : tensor<16x1024xi8>, tensor<1024x1024xi8> -> tensor<16x1024xi32>
  return %acc : tensor<16x1024xi32>
}
