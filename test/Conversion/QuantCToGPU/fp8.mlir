// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a" -split-input-file | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a tma=1" -split-input-file | FileCheck %s --check-prefix=TMA

// FP8 W8A8 on the sm_90a wgmma kernel: the int8 kernel's structure (K-major
// 128-byte-swizzled byte tiles, four m64nNk32 wgmma per 128-byte K step)
// with e4m3 operands and f32 accumulators (no satfinite), the rescale fused
// on the f32 accumulator pairs. M = 4 is padded to the 128-row tile.

// CHECK-LABEL: func.func @fp8
// CHECK:       tensor.pad
// CHECK:       } : tensor<4x256xf8E4M3FN> to tensor<128x256xf8E4M3FN>
// CHECK:       call @__quantc_launch_gemm_0({{.+}}) : (memref<128x256xf8E4M3FN>, memref<512x256xf8E4M3FN>, memref<128x512xf32>, memref<128x1xf32>, memref<1x512xf32>) -> ()
// CHECK:       tensor.extract_slice {{.+}} to tensor<4x512xf32>
// CHECK:       gpu.func @gemm_0(%{{.+}}: memref<128x256xf8E4M3FN>, %{{.+}}: memref<512x256xf8E4M3FN>, %{{.+}}: memref<128x512xf32>
// CHECK:         nvgpu.device_async_copy {{.+}} : memref<128x256xf8E4M3FN> to memref<{{.+}}xf8E4M3FN, #gpu.address_space<workgroup>>
// CHECK:         scf.for {{.+}} -> (!llvm.struct<(f32, {{.+}})>) {
// CHECK:           nvvm.wgmma.fence.aligned
// CHECK-COUNT-4:   nvvm.wgmma.mma_async {{.+}}, <m = 64, n = {{[0-9]+}}, k = 32>, D[<f32>, <one>], A[<e4m3>, <one>, <row>], B[<e4m3>, <one>, <col>]
// CHECK:           nvvm.wgmma.commit.group.sync.aligned
// CHECK:         nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:         llvm.extractvalue
// CHECK-NOT:     arith.sitofp
// CHECK:         arith.mulf {{.+}} : vector<2xf32>
// CHECK:         vector.store %{{.+}} : memref<128x512xf32>, vector<2xf32>

// TMA-LABEL: func.func @fp8
// TMA:       gpu.func @gemm_0({{.+}}: memref<128x256xf8E4M3FN>, {{.+}}, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr) kernel
// TMA:         nvgpu.tma.async.load
// TMA:         nvvm.wgmma.mma_async {{.+}} D[<f32>, <one>], A[<e4m3>, <one>, <row>], B[<e4m3>, <one>, <col>]

func.func @fp8(%x: tensor<4x256xf8E4M3FN>, %w: tensor<512x256xf8E4M3FN>, %xs: tensor<4x1xf32>, %ws: tensor<1x512xf32>) -> tensor<4x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<4x256xf8E4M3FN>, tensor<512x256xf8E4M3FN> -> tensor<4x512xf32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x512xf32>, tensor<4x1xf32>, tensor<1x512xf32>) -> tensor<4x512xf32>
  return %y : tensor<4x512xf32>
}
