// RUN: quantc-opt %s | FileCheck %s
// RUN: quantc-opt %s | quantc-opt | FileCheck %s
// RUN: quantc-opt %s --mlir-print-op-generic | quantc-opt | FileCheck %s

// The launch configuration of a generated kernel, on its launch wrapper.

// CHECK-LABEL: func.func private @__quantc_launch_gemm_0
// CHECK-SAME:  attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [16, 1, 1], block = [128, 1, 1], shared_bytes = 46080>}
func.func private @__quantc_launch_gemm_0(memref<256x128xi8>, memref<256x128xi8>, memref<256x256xi32>)
    attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [16, 1, 1], block = [128, 1, 1], shared_bytes = 46080>}

// A TMA kernel: the tensor-map boxes [rows of A, rows of B, bytes of K].
// CHECK-LABEL: func.func private @__quantc_launch_gemm_1
// CHECK-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_1, grid = [256, 1, 1], block = [256, 1, 1], shared_bytes = 197632, tma_box = [128, 256, 128]>
func.func private @__quantc_launch_gemm_1(memref<4096x256xi8>, memref<2048x256xi8>, memref<4096x2048xi32>)
    attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_1, grid = [256, 1, 1], block = [256, 1, 1], shared_bytes = 197632, tma_box = [128, 256, 128]>}

// Parameters in another order and the largest shared memory.
// CHECK-LABEL: func.func private @__quantc_launch_gemm_2
// CHECK-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_2, grid = [4, 2, 1], block = [1024, 1, 1], shared_bytes = 232448>
func.func private @__quantc_launch_gemm_2(memref<16x32xi8>, memref<16x32xi8>, memref<16x16xi32>)
    attributes {quantc.gpu_launch = #quantc.gpu_launch<block = [1024, 1, 1], shared_bytes = 232448, kernel = @quantc_kernels::@gemm_2, grid = [4, 2, 1]>}

// A dynamic-M kernel: grid.x = 0 is computed at run time from the rows of A,
// one block per block_tile = [rows, columns] of the output.
// CHECK-LABEL: func.func private @__quantc_launch_gemm_3
// CHECK-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_3, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>
func.func private @__quantc_launch_gemm_3(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>)
    attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_3, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}

// With TMA: the boxes of A and B are the block tile.
// CHECK-LABEL: func.func private @__quantc_launch_gemm_4
// CHECK-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_4, grid = [0, 1, 1], block = [256, 1, 1], shared_bytes = 99328, tma_box = [128, 64, 128], block_tile = [128, 64]>
func.func private @__quantc_launch_gemm_4(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>)
    attributes {quantc.gpu_launch = #quantc.gpu_launch<block_tile = [128, 64], kernel = @quantc_kernels::@gemm_4, grid = [0, 1, 1], block = [256, 1, 1], shared_bytes = 99328, tma_box = [128, 64, 128]>}
