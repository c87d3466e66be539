// RUN: quantc-opt %s --quantc-gpu-launch-wrappers -split-input-file -verify-diagnostics

// A wrapper whose launch attribute is not a #quantc.gpu_launch, or whose
// arguments are not the buffers of a kernel, is an error, not a crash.

module attributes {gpu.container_module} {
  // expected-error @+1 {{quantc.gpu_launch must be a #quantc.gpu_launch attribute}}
  func.func private @__quantc_launch_gemm_0(memref<64x64xi8>, memref<64x64xi8>, memref<64x64xi32>) attributes {quantc.gpu_launch = 1 : i64}
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{a launch wrapper takes statically shaped memrefs: A, B, the output, then the epilogue operands}}
  func.func private @__quantc_launch_gemm_0(memref<64x64xi8>, memref<?x64xi8>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [4, 1, 1], block = [128, 1, 1], shared_bytes = 20480>}
}

// -----

// With block_tile, the rows of A, the output and the epilogue operands may be
// dynamic, not those of B (N) nor any column.
module attributes {gpu.container_module} {
  // expected-error @+1 {{a launch wrapper with block_tile takes 2-D memrefs, static but for the rows of all but B: A, B, the output, then the epilogue operands}}
  func.func private @__quantc_launch_gemm_0(memref<?x256xi8>, memref<?x256xi8>, memref<?x512xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{a launch wrapper with block_tile takes 2-D memrefs, static but for the rows of all but B: A, B, the output, then the epilogue operands}}
  func.func private @__quantc_launch_gemm_0(memref<?x?xi8>, memref<512x256xi8>, memref<?x512xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{the output's columns must be a multiple of block_tile's (96), got 'memref<?x512xi32>'}}
  func.func private @__quantc_launch_gemm_0(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 96]>}
}

// -----

module attributes {gpu.container_module} {
  // expected-error @+1 {{a launch wrapper with block_tile takes 2-D memrefs, static but for the rows of all but B: A, B, the output, then the epilogue operands}}
  func.func private @__quantc_launch_gemm_0(memref<i8>, memref<512x256xi8>, memref<?x512xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}
}

// -----

// Batched (a 3-D A): every 3-D buffer has grid.z matrices (an epilogue
// operand may have 1).
module attributes {gpu.container_module} {
  // expected-error @+1 {{a launch wrapper takes statically shaped memrefs: A, B, the output, then the epilogue operands (3-D [grid.z, rows, cols] or 2-D when A is 3-D: batched)}}
  func.func private @__quantc_launch_gemm_0(memref<4x64x64xi8>, memref<2x64x64xi8>, memref<4x64x64xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [4, 1, 4], block = [128, 1, 1], shared_bytes = 20480>}
}

// -----

// A 3-D buffer when A is 2-D.
module attributes {gpu.container_module} {
  // expected-error @+1 {{a launch wrapper takes statically shaped memrefs: A, B, the output, then the epilogue operands (3-D [grid.z, rows, cols] or 2-D when A is 3-D: batched)}}
  func.func private @__quantc_launch_gemm_0(memref<64x64xi8>, memref<64x64xi8>, memref<1x64x64xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [4, 1, 1], block = [128, 1, 1], shared_bytes = 20480>}
}

// -----

// The tensor maps of TMA describe one 2-D matrix.
module attributes {gpu.container_module} {
  // expected-error @+1 {{a batched launch wrapper (3-D A) takes no tma_box: its tensor maps would describe one 2-D matrix}}
  func.func private @__quantc_launch_gemm_0(memref<2x128x128xi8>, memref<2x128x128xi8>, memref<2x128x128xi32>) attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [1, 1, 2], block = [256, 1, 1], shared_bytes = 132096, tma_box = [128, 128, 128]>}
}
