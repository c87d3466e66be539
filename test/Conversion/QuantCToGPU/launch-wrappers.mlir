// RUN: quantc-opt %s --quantc-gpu-launch-wrappers -split-input-file | FileCheck %s

// The declaration left by --convert-quantc-to-gpu gets its body: device
// buffers, copies in (every argument but the output, argument 2), the launch
// with the grid, block and shared memory of its #quantc.gpu_launch, the copy
// out, frees, and one wait at the end of the async chain. The attribute is
// consumed (LLVM translation would not know it).

// CHECK-LABEL: func.func private @__quantc_launch_gemm_0
// CHECK-SAME: (%[[A:.+]]: memref<64x64xi8>, %[[B:.+]]: memref<64x64xi8>, %[[C:.+]]: memref<64x64xf32>, %[[S:.+]]: memref<1x1xf32>) {
// CHECK:      %[[T0:.+]] = gpu.wait async
// CHECK:      %[[DA:.+]], %[[T1:.+]] = gpu.alloc async [%[[T0]]] () : memref<64x64xi8>
// CHECK:      %[[DB:.+]], %[[T2:.+]] = gpu.alloc async [%[[T1]]] () : memref<64x64xi8>
// CHECK:      %[[DC:.+]], %[[T3:.+]] = gpu.alloc async [%[[T2]]] () : memref<64x64xf32>
// CHECK:      %[[DS:.+]], %[[T4:.+]] = gpu.alloc async [%[[T3]]] () : memref<1x1xf32>
// CHECK:      %[[T5:.+]] = gpu.memcpy async [%[[T4]]] %[[DA]], %[[A]]
// CHECK:      %[[T6:.+]] = gpu.memcpy async [%[[T5]]] %[[DB]], %[[B]]
// CHECK-NOT:  gpu.memcpy async [{{.+}}] %[[DC]]
// CHECK:      %[[T7:.+]] = gpu.memcpy async [%[[T6]]] %[[DS]], %[[S]]
// CHECK-DAG:  %[[G:.+]] = arith.constant 4 : index
// CHECK-DAG:  %[[BL:.+]] = arith.constant 128 : index
// CHECK-DAG:  %[[SM:.+]] = arith.constant 20480 : i32
// CHECK:      %[[T8:.+]] = gpu.launch_func async [%[[T7]]] @quantc_kernels::@gemm_0 blocks in (%[[G]], %{{.+}}, %{{.+}}) threads in (%[[BL]], %{{.+}}, %{{.+}}) dynamic_shared_memory_size %[[SM]] args(%[[DA]] : memref<64x64xi8>, %[[DB]] : memref<64x64xi8>, %[[DC]] : memref<64x64xf32>, %[[DS]] : memref<1x1xf32>)
// CHECK:      %[[T9:.+]] = gpu.memcpy async [%[[T8]]] %[[C]], %[[DC]]
// CHECK:      gpu.dealloc async
// CHECK:      gpu.dealloc async
// CHECK:      gpu.dealloc async
// CHECK:      %[[TL:.+]] = gpu.dealloc async
// CHECK:      gpu.wait [%[[TL]]]
// CHECK:      return
module attributes {gpu.container_module} {
  func.func private @__quantc_launch_gemm_0(memref<64x64xi8>, memref<64x64xi8>, memref<64x64xf32>, memref<1x1xf32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [4, 1, 1], block = [128, 1, 1], shared_bytes = 20480>}
  gpu.module @quantc_kernels {
    gpu.func @gemm_0(%a: memref<64x64xi8>, %b: memref<64x64xi8>, %c: memref<64x64xf32>, %s: memref<1x1xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A TMA kernel (tma_box = [rows of A, rows of B, bytes of K]): the wrapper makes the two tensor maps
// from the device buffers (rows, K, box rows, box K), passes them after the
// memrefs and frees them after the final wait.

// CHECK-LABEL: func.func private @quantcTensorMap2D(!llvm.ptr, i64, i64, i64, i64) -> !llvm.ptr
// CHECK-LABEL: func.func private @__quantc_launch_gemm_0
// CHECK:      %[[DA:.+]], %{{.+}} = gpu.alloc async {{.+}} : memref<256x512xi8>
// CHECK:      %[[DB:.+]], %{{.+}} = gpu.alloc async {{.+}} : memref<512x512xi8>
// CHECK:      %[[PA:.+]] = memref.extract_aligned_pointer_as_index %[[DA]]
// CHECK:      %[[IA:.+]] = arith.index_cast %[[PA]] : index to i64
// CHECK:      %[[LA:.+]] = llvm.inttoptr %[[IA]] : i64 to !llvm.ptr
// CHECK-DAG:  %[[R256:.+]] = arith.constant 256 : i64
// CHECK-DAG:  %[[K512:.+]] = arith.constant 512 : i64
// CHECK:      %[[TA:.+]] = call @quantcTensorMap2D(%[[LA]], %[[R256]], %[[K512]], %{{.+}}, %{{.+}})
// CHECK:      %[[TB:.+]] = call @quantcTensorMap2D(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}})
// CHECK:      gpu.launch_func {{.+}} args({{.+}}, %[[TA]] : !llvm.ptr, %[[TB]] : !llvm.ptr)
// CHECK:      gpu.wait [
// CHECK:      call @quantcTensorMapFree(%[[TA]])
// CHECK:      call @quantcTensorMapFree(%[[TB]])
module attributes {gpu.container_module} {
  func.func private @__quantc_launch_gemm_0(memref<256x512xi8>, memref<512x512xi8>, memref<256x512xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [4, 1, 1], block = [256, 1, 1], shared_bytes = 197632, tma_box = [128, 256, 128]>}
  gpu.module @quantc_kernels {
    gpu.func @gemm_0(%a: memref<256x512xi8>, %b: memref<512x512xi8>, %c: memref<256x512xi32>, %ta: !llvm.ptr, %tb: !llvm.ptr) kernel {
      gpu.return
    }
  }
}

// -----

// Dynamic rows (block_tile = [rows, columns]): grid.x is ceil(rows of A /
// 128) * (512 / 64), and the whole wrapper runs only when it is not 0 (CUDA
// refuses an empty grid). Buffers with dynamic rows are allocated by their
// rows and passed to the kernel as a view of their first 128 rows.

// CHECK-LABEL: func.func private @__quantc_launch_gemm_0
// CHECK-SAME: (%[[A:.+]]: memref<?x256xi8>, %[[B:.+]]: memref<512x256xi8>, %[[C:.+]]: memref<?x512xi32>) {
// CHECK:      %[[ROWS:.+]] = memref.dim %[[A]], %{{.+}} : memref<?x256xi8>
// CHECK:      %[[C127:.+]] = arith.constant 127 : index
// CHECK:      %[[UP:.+]] = arith.addi %[[ROWS]], %[[C127]] : index
// CHECK:      %[[C128:.+]] = arith.constant 128 : index
// CHECK:      %[[RT:.+]] = arith.divui %[[UP]], %[[C128]] : index
// CHECK:      %[[C8:.+]] = arith.constant 8 : index
// CHECK:      %[[GX:.+]] = arith.muli %[[RT]], %[[C8]] : index
// CHECK:      %[[ANY:.+]] = arith.cmpi ne, %[[GX]], %{{.+}} : index
// CHECK:      scf.if %[[ANY]] {
// CHECK:        %[[T0:.+]] = gpu.wait async
// CHECK:        %[[AM:.+]] = memref.dim %[[A]], %{{.+}} : memref<?x256xi8>
// CHECK:        %[[DA:.+]], %[[T1:.+]] = gpu.alloc async [%[[T0]]] (%[[AM]]) : memref<?x256xi8>
// CHECK:        %[[DB:.+]], %[[T2:.+]] = gpu.alloc async [%[[T1]]] () : memref<512x256xi8>
// CHECK:        %[[CM:.+]] = memref.dim %[[C]], %{{.+}} : memref<?x512xi32>
// CHECK:        %[[DC:.+]], %[[T3:.+]] = gpu.alloc async [%[[T2]]] (%[[CM]]) : memref<?x512xi32>
// CHECK:        %[[T4:.+]] = gpu.memcpy async [%[[T3]]] %[[DA]], %[[A]] : memref<?x256xi8>, memref<?x256xi8>
// CHECK:        %[[T5:.+]] = gpu.memcpy async [%[[T4]]] %[[DB]], %[[B]]
// CHECK:        %[[VA:.+]] = memref.reinterpret_cast %[[DA]] to offset: [0], sizes: [128, 256], strides: [256, 1] : memref<?x256xi8> to memref<128x256xi8>
// CHECK:        %[[VC:.+]] = memref.reinterpret_cast %[[DC]] to offset: [0], sizes: [128, 512], strides: [512, 1] : memref<?x512xi32> to memref<128x512xi32>
// CHECK:        %[[T6:.+]] = gpu.launch_func async [%[[T5]]] @quantc_kernels::@gemm_0 blocks in (%[[GX]], %{{.+}}, %{{.+}}) threads in ({{.+}}) dynamic_shared_memory_size %{{.+}} args(%[[VA]] : memref<128x256xi8>, %[[DB]] : memref<512x256xi8>, %[[VC]] : memref<128x512xi32>)
// CHECK:        %[[T7:.+]] = gpu.memcpy async [%[[T6]]] %[[C]], %[[DC]] : memref<?x512xi32>, memref<?x512xi32>
// CHECK:        gpu.dealloc async
// CHECK:        gpu.dealloc async
// CHECK:        %[[TL:.+]] = gpu.dealloc async
// CHECK:        gpu.wait [%[[TL]]]
// CHECK:      }
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  func.func private @__quantc_launch_gemm_0(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}
  gpu.module @quantc_kernels {
    gpu.func @gemm_0(%a: memref<128x256xi8>, %b: memref<512x256xi8>, %c: memref<128x512xi32>) kernel {
      gpu.return
    }
  }
}
