// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=WGMMA
// RUN: quantc-opt %s --convert-quantc-to-gpu --quantc-gpu-launch-wrappers -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=WRAP

// Batched GEMMs (attention's Q.K^T and P.V, both operands run-time): one
// kernel for every batch, which is blockIdx.z (grid.z = the batch). The
// launch wrapper passes each [batch, rows, cols] buffer as its first matrix;
// the kernel views A, B, C and every epilogue operand with one matrix per
// batch at offset blockIdx.z * rows * cols (a per-token scale [B, M, 1] per
// batch, a scale [1, 1, 1] shared), and the tiles and fragments of the 2-D
// kernels then run unchanged on those views.

// Q.K^T, "NT" (K stored [B, N, K]: the kernels' K-major layout).
// CHECK-LABEL: func.func @qk
// CHECK:       %[[OUT:.+]] = memref.alloc() : memref<8x128x256xf32>
// CHECK:       call @__quantc_launch_gemm_0(%{{.+}}, %{{.+}}, %[[OUT]], %{{.+}}, %{{.+}}) : (memref<8x128x128xi8>, memref<8x256x128xi8>, memref<8x128x256xf32>, memref<8x128x1xf32>, memref<1x1x1xf32>) -> ()
// CHECK:       bufferization.to_tensor %[[OUT]]
// CHECK-NOT:   quantc.matmul
// CHECK-NOT:   quantc.rescale
// CHECK:       func.func private @__quantc_launch_gemm_0
// CHECK-SAME:  grid = [{{[0-9]+}}, 1, 8]
// CHECK:       gpu.func @gemm_0(%[[A:.+]]: memref<128x128xi8>, %[[B:.+]]: memref<256x128xi8>, %[[C:.+]]: memref<128x256xf32>, %[[XS:.+]]: memref<128x1xf32>, %[[WS:.+]]: memref<1x1xf32>)
// CHECK-DAG:   %[[C16384:.+]] = arith.constant 16384 : index
// CHECK-DAG:   %[[C32768:.+]] = arith.constant 32768 : index
// CHECK-DAG:   %[[C128:.+]] = arith.constant 128 : index
// CHECK:       %[[Z:.+]] = gpu.block_id  z
// CHECK:       %[[OA:.+]] = arith.muli %[[Z]], %[[C16384]]
// CHECK:       %[[VA:.+]] = memref.reinterpret_cast %[[A]] to offset: [%[[OA]]], sizes: [128, 128], strides: [128, 1] : memref<128x128xi8> to memref<128x128xi8, strided<[128, 1], offset: ?>>
// CHECK:       %[[OB:.+]] = arith.muli %[[Z]], %[[C32768]]
// CHECK:       %[[VB:.+]] = memref.reinterpret_cast %[[B]] to offset: [%[[OB]]], sizes: [256, 128]
// CHECK:       %[[VC:.+]] = memref.reinterpret_cast %[[C]] to offset: [%{{.+}}], sizes: [128, 256]
// CHECK:       %[[OX:.+]] = arith.muli %[[Z]], %[[C128]]
// CHECK:       %[[VX:.+]] = memref.reinterpret_cast %[[XS]] to offset: [%[[OX]]], sizes: [128, 1]
// CHECK-NOT:   memref.reinterpret_cast %[[WS]]
// CHECK:       nvgpu.device_async_copy %[[VA]]
// CHECK:       nvgpu.device_async_copy %[[VB]]
// CHECK:       nvgpu.mma.sync
// CHECK:       memref.load %[[VX]]
// CHECK:       memref.load %[[WS]]
// CHECK:       vector.store %{{.+}}, %[[VC]]

// sm_90a: the wgmma kernel, on the same views.
// WGMMA-LABEL: func.func private @__quantc_launch_gemm_0
// WGMMA-SAME:  grid = [{{[0-9]+}}, 1, 8]
// WGMMA:       gpu.func @gemm_0
// WGMMA:       gpu.block_id  z
// WGMMA:       %[[VA:.+]] = memref.reinterpret_cast %arg0 to offset: [%{{.+}}], sizes: [128, 128]
// WGMMA:       nvgpu.device_async_copy %[[VA]]
// WGMMA:       nvvm.wgmma.mma_async

// The launch wrapper: the 3-D device buffers are passed as their first
// matrix, grid.z = 8.
// WRAP-LABEL: func.func private @__quantc_launch_gemm_0
// WRAP:       %[[DA:.+]], %{{.+}} = gpu.alloc async [%{{.+}}] () : memref<8x128x128xi8>
// WRAP:       %[[DX:.+]], %{{.+}} = gpu.alloc async [%{{.+}}] () : memref<8x128x1xf32>
// WRAP:       %[[DW:.+]], %{{.+}} = gpu.alloc async [%{{.+}}] () : memref<1x1x1xf32>
// WRAP:       %[[RA:.+]] = memref.reinterpret_cast %[[DA]] to offset: [0], sizes: [128, 128], strides: [128, 1] : memref<8x128x128xi8> to memref<128x128xi8>
// WRAP:       memref.reinterpret_cast %[[DX]] to offset: [0], sizes: [128, 1], strides: [1, 1] : memref<8x128x1xf32> to memref<128x1xf32>
// WRAP:       memref.reinterpret_cast %[[DW]] to offset: [0], sizes: [1, 1], strides: [1, 1] : memref<1x1x1xf32> to memref<1x1xf32>
// WRAP:       gpu.launch_func async [%{{.+}}] @quantc_kernels::@gemm_0 blocks in (%{{[^,]+}}, %{{[^,]+}}, %c8{{(_[0-9]+)?}}) threads in
// WRAP-SAME:  args(%[[RA]] : memref<128x128xi8>
func.func @qk(%q: tensor<8x128x128xi8>, %k: tensor<8x256x128xi8>, %xs: tensor<8x128x1xf32>, %ws: tensor<1x1x1xf32>) -> tensor<8x128x256xf32> {
  %acc = quantc.matmul %q, %k : tensor<8x128x128xi8>, tensor<8x256x128xi8> -> tensor<8x128x256xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<8x128x256xi32>, tensor<8x128x1xf32>, tensor<1x1x1xf32>) -> tensor<8x128x256xf32>
  return %y : tensor<8x128x256xf32>
}

// -----

// P.V, "NN" (V stored [B, K, N]): ldmatrix .trans moves 16-bit elements,
// not int8, so V is transposed into the K-major layout on the host (a
// linalg.transpose, with a remark), then runs as NT. Odd M: the rows of
// every batch are padded with zeros to 48 (and a per-token scale with
// them), and the result is sliced back to 33 rows. A weight scale that
// varies along the batch and the columns ([B, 1, N]) is read per batch.
// CHECK-LABEL: func.func @pv
// CHECK:       %[[VT:.+]] = linalg.transpose ins(%arg1 : tensor<4x256x64xi8>) outs(%{{.+}} : tensor<4x64x256xi8>) permutation = [0, 2, 1]
// CHECK:       %[[P:.+]] = tensor.pad %arg0 low[0, 0, 0] high[0, 15, 0]
// CHECK:       } : tensor<4x33x256xi8> to tensor<4x48x256xi8>
// CHECK:       bufferization.to_buffer %[[VT]] read_only : tensor<4x64x256xi8> to memref<4x64x256xi8>
// CHECK:       %[[OUT:.+]] = memref.alloc() : memref<4x48x64xf32>
// CHECK:       tensor.pad %arg2 low[0, 0, 0] high[0, 15, 0]
// CHECK:       } : tensor<4x33x1xf32> to tensor<4x48x1xf32>
// CHECK:       call @__quantc_launch_gemm_0
// CHECK:       %[[T:.+]] = bufferization.to_tensor %[[OUT]]
// CHECK:       tensor.extract_slice %[[T]][0, 0, 0] [4, 33, 64] [1, 1, 1] : tensor<4x48x64xf32> to tensor<4x33x64xf32>
// CHECK:       gpu.func @gemm_0(%{{.+}}: memref<48x256xi8>, %{{.+}}: memref<64x256xi8>, %{{.+}}: memref<48x64xf32>, %{{.+}}: memref<48x1xf32>, %[[WS:.+]]: memref<1x64xf32>)
// CHECK:       memref.reinterpret_cast %[[WS]] to offset: [%{{.+}}], sizes: [1, 64], strides: [64, 1] : memref<1x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
// CHECK:       nvgpu.mma.sync
func.func @pv(%p: tensor<4x33x256xi8>, %v: tensor<4x256x64xi8>, %xs: tensor<4x33x1xf32>, %ws: tensor<4x1x64xf32>) -> tensor<4x33x64xf32> {
  // expected-remark @+1 {{the Tensor Core kernel reads a [..., N, C] lhs and a [..., D, C] rhs: the transposed rhs is copied into that layout on every call}}
  %acc = quantc.matmul %p, %v {transpose_rhs} : tensor<4x33x256xi8>, tensor<4x256x64xi8> -> tensor<4x33x64xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x33x64xi32>, tensor<4x33x1xf32>, tensor<4x1x64xf32>) -> tensor<4x33x64xf32>
  return %y : tensor<4x33x64xf32>
}

// -----

// A dynamic M (query tokens) in a static batch: the rows of every batch are
// padded at run time to the row tile; the wrapper computes grid.x from the
// rows (dimension 1) of A and skips an empty launch; the kernel views every
// batch at blockIdx.z * (its rows from grid.x) * cols.
// CHECK-LABEL: func.func @dynamic_m
// CHECK:       %[[M:.+]] = tensor.dim %arg0, %c1 : tensor<8x?x128xi8>
// CHECK:       tensor.pad %arg0 low[0, 0, 0] high[0, %{{.+}}, 0]
// CHECK:       memref.alloc(%{{.+}}) : memref<8x?x256xf32>
// CHECK:       tensor.extract_slice %{{.+}}[0, 0, 0] [8, %[[M]], 256] [1, 1, 1] : tensor<8x?x256xf32> to tensor<8x?x256xf32>
// CHECK:       func.func private @__quantc_launch_gemm_0
// CHECK-SAME:  grid = [0, 1, 8]
// CHECK-SAME:  block_tile = [128, 256]
// CHECK:       gpu.func @gemm_0(%[[A:.+]]: memref<128x128xi8>,
// CHECK:       %[[GX:.+]] = gpu.grid_dim  x
// CHECK:       %[[TILES:.+]] = arith.divui %[[GX]], %c1
// CHECK:       %[[ROWS:.+]] = arith.muli %[[TILES]], %c128
// CHECK:       %[[Z:.+]] = gpu.block_id  z
// CHECK:       %[[E:.+]] = arith.muli %[[ROWS]], %c128
// CHECK:       %[[O:.+]] = arith.muli %[[Z]], %[[E]]
// CHECK:       memref.reinterpret_cast %[[A]] to offset: [%[[O]]], sizes: [%[[ROWS]], 128], strides: [128, 1] : memref<128x128xi8> to memref<?x128xi8, strided<[128, 1], offset: ?>>
// WRAP-LABEL: func.func private @__quantc_launch_gemm_0
// WRAP:       %[[M:.+]] = memref.dim %arg0, %c1 : memref<8x?x128xi8>
// WRAP:       scf.if
// WRAP:       memref.reinterpret_cast %{{.+}} to offset: [0], sizes: [128, 128], strides: [128, 1] : memref<8x?x128xi8> to memref<128x128xi8>
// WRAP:       gpu.launch_func async [%{{.+}}] @quantc_kernels::@gemm_0 blocks in (%{{[^,]+}}, %{{[^,]+}}, %c8{{(_[0-9]+)?}})
func.func @dynamic_m(%q: tensor<8x?x128xi8>, %k: tensor<8x256x128xi8>, %xs: tensor<8x?x1xf32>, %ws: tensor<1x1x1xf32>) -> tensor<8x?x256xf32> {
  %acc = quantc.matmul %q, %k : tensor<8x?x128xi8>, tensor<8x256x128xi8> -> tensor<8x?x256xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<8x?x256xi32>, tensor<8x?x1xf32>, tensor<1x1x1xf32>) -> tensor<8x?x256xf32>
  return %y : tensor<8x?x256xf32>
}

// -----

// A 2-D weight broadcast over a batch with dynamic rows (not flattened into
// one GEMM): B is one matrix for every batch, read without a batch offset.
// CHECK-LABEL: func.func @linear_3d
// CHECK:       call @__quantc_launch_gemm_0(%{{.+}}, %{{.+}}, %{{.+}}) : (memref<2x?x128xi8>, memref<256x128xi8>, memref<2x?x256xi32>) -> ()
// CHECK:       gpu.func @gemm_0(%{{.+}}: memref<128x128xi8>, %[[B:.+]]: memref<256x128xi8>, %{{.+}}: memref<128x256xi32>)
// CHECK-NOT:   memref.reinterpret_cast %[[B]]
// CHECK:       nvgpu.device_async_copy %[[B]]
func.func @linear_3d(%x: tensor<2x?x128xi8>, %w: tensor<256x128xi8>) -> tensor<2x?x256xi32> {
  %acc = quantc.matmul %x, %w : tensor<2x?x128xi8>, tensor<256x128xi8> -> tensor<2x?x256xi32>
  return %acc : tensor<2x?x256xi32>
}

// -----

// A scale shared by blocks of batches is not read by the kernels: the
// rescale runs on the host after the batched kernel.
// CHECK-LABEL: func.func @batch_blocks
// CHECK:       call @__quantc_launch_gemm_0
// CHECK:       quantc.rescale
func.func @batch_blocks(%q: tensor<4x64x128xi8>, %k: tensor<4x64x128xi8>, %xs: tensor<2x64x1xf32>, %ws: tensor<1x1x1xf32>) -> tensor<4x64x64xf32> {
  // expected-remark @+1 {{the rescale runs on the host, not in the kernel's epilogue: its x_scale varies along the batch in blocks of 2 batches, which the batched kernels do not read}}
  %acc = quantc.matmul %q, %k : tensor<4x64x128xi8>, tensor<4x64x128xi8> -> tensor<4x64x64xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x64x64xi32>, tensor<2x64x1xf32>, tensor<1x1x1xf32>) -> tensor<4x64x64xf32>
  return %y : tensor<4x64x64xf32>
}
