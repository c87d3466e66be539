// RUN: quantc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{grid must have 3 dimensions (x, y, z)}}
func.func private @grid_rank() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [16, 1], block = [128, 1, 1], shared_bytes = 0>}

// -----

// expected-error @+1 {{block sizes must be positive, got [128, 0, 1]}}
func.func private @block_zero() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [16, 1, 1], block = [128, 0, 1], shared_bytes = 0>}

// -----

// expected-error @+1 {{grid sizes must be positive, got [-4, 1, 1]}}
func.func private @grid_negative() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [-4, 1, 1], block = [128, 1, 1], shared_bytes = 0>}

// -----

// expected-error @+1 {{block has 2048 threads, more than 1024}}
func.func private @too_many_threads() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [1024, 2, 1], shared_bytes = 0>}

// -----

// expected-error @+1 {{shared_bytes must be in [0, 232448], got 232449}}
func.func private @smem() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [128, 1, 1], shared_bytes = 232449>}

// -----

// expected-error @+1 {{shared_bytes must be in [0, 232448], got -1}}
func.func private @smem_negative() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [128, 1, 1], shared_bytes = -1>}

// -----

// expected-error @+1 {{kernel must be @gpu_module::@kernel, got @gemm_0}}
func.func private @flat_kernel() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @gemm_0, grid = [1, 1, 1], block = [128, 1, 1], shared_bytes = 0>}

// -----

// expected-error @+1 {{tma_box must have 3 entries (rows of A, rows of B, bytes of K), got 2}}
func.func private @tma_rank() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [256, 1, 1], shared_bytes = 0, tma_box = [128, 128]>}

// -----

// expected-error @+1 {{tma_box entries must be in [1, 256], got [512, 256, 128]}}
func.func private @tma_box_rows() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [256, 1, 1], shared_bytes = 0, tma_box = [512, 256, 128]>}

// -----

// expected-error @+1 {{tma_box K must be at most 128 bytes (the 128-byte swizzle), got 256}}
func.func private @tma_box_k() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [256, 1, 1], shared_bytes = 0, tma_box = [128, 128, 256]>}

// -----

// expected-error @+1 {{struct is missing required parameter: shared_bytes}}
func.func private @missing() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [1, 1, 1], block = [128, 1, 1]>}

// -----

// expected-error @+1 {{grid.x = 0 (computed at run time from the rows of A) needs block_tile = [rows, columns]}}
func.func private @grid_zero() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 0>}

// -----

// expected-error @+1 {{with block_tile, grid.x must be 0 (computed at run time from the rows of A), got [4, 1, 1]}}
func.func private @block_tile_static_grid() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [4, 1, 1], block = [128, 1, 1], shared_bytes = 0, block_tile = [128, 64]>}

// -----

// expected-error @+1 {{grid sizes must be positive, got [0, 0, 1]}}
func.func private @block_tile_grid_y() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [0, 0, 1], block = [128, 1, 1], shared_bytes = 0, block_tile = [128, 64]>}

// -----

// expected-error @+1 {{block_tile must be 2 positive sizes (rows, columns of the output per thread block), got [128]}}
func.func private @block_tile_rank() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 0, block_tile = [128]>}

// -----

// expected-error @+1 {{block_tile must be 2 positive sizes (rows, columns of the output per thread block), got [0, 64]}}
func.func private @block_tile_zero() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 0, block_tile = [0, 64]>}

// -----

// expected-error @+1 {{tma_box rows (128 of A, 256 of B) must be the block_tile [128, 64]}}
func.func private @block_tile_tma() attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @k::@gemm_0, grid = [0, 1, 1], block = [256, 1, 1], shared_bytes = 0, tma_box = [128, 256, 128], block_tile = [128, 64]>}
