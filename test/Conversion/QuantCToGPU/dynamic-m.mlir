// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a" -split-input-file | FileCheck %s --check-prefix=WGMMA
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a tma=1" --quantc-gpu-launch-wrappers -split-input-file | FileCheck %s --check-prefix=WRAP

// A dynamic M (any number of tokens, 0 included) with static N and K: the
// tiles are those of a large M; the host pads the activation and its per-row
// scale at run time up to a multiple of the row tile (128), runs the kernel on
// the padded rows and slices the result back to M rows. The launch has
// grid.x = 0 and block_tile = [rows, columns]: the wrapper computes the grid
// from the rows of A. The kernel takes the operands with rows as views of
// their first row tile (bare pointers carry no sizes), widens them to every
// row from its grid size, and rasterises in bands of up to 8 block-rows.

// CHECK-LABEL: func.func @rescale_f32
// CHECK-SAME:  (%[[X:.+]]: tensor<?x256xi8>, %[[W:.+]]: tensor<512x256xi8>, %[[XS:.+]]: tensor<?x1xf32>, %[[WS:.+]]: tensor<1x512xf32>, %[[B:.+]]: tensor<1x512xf32>)
// CHECK:       %[[M:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x256xi8>
// CHECK-DAG:   %[[C127:.+]] = arith.constant 127 : index
// CHECK-DAG:   %[[C128:.+]] = arith.constant 128 : index
// CHECK:       %[[UP:.+]] = arith.addi %[[M]], %[[C127]] : index
// CHECK:       %[[TILES:.+]] = arith.divui %[[UP]], %[[C128]] : index
// CHECK:       %[[PM:.+]] = arith.muli %[[TILES]], %[[C128]] : index
// CHECK:       %[[XH:.+]] = arith.subi %[[PM]], %[[M]] : index
// CHECK:       %[[XP:.+]] = tensor.pad %[[X]] low[0, 0] high[%[[XH]], 0]
// CHECK:         tensor.yield %{{.+}} : i8
// CHECK:       } : tensor<?x256xi8> to tensor<?x256xi8>
// CHECK:       %[[XB:.+]] = bufferization.to_buffer %[[XP]] read_only : tensor<?x256xi8> to memref<?x256xi8>
// CHECK:       %[[OUT:.+]] = memref.alloc(%[[PM]]) : memref<?x512xf32>
// CHECK:       %[[SM:.+]] = tensor.dim %[[XS]], %{{.+}} : tensor<?x1xf32>
// CHECK:       %[[SH:.+]] = arith.subi %[[PM]], %[[SM]] : index
// CHECK:       %[[XSP:.+]] = tensor.pad %[[XS]] low[0, 0] high[%[[SH]], 0]
// CHECK:         tensor.yield %{{.+}} : f32
// CHECK:       call @__quantc_launch_gemm_0(%[[XB]], %{{.+}}, %[[OUT]], %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>, memref<?x1xf32>, memref<1x512xf32>, memref<1x512xf32>) -> ()
// CHECK:       %[[R:.+]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<?x512xf32> to tensor<?x512xf32>
// CHECK:       %[[S:.+]] = tensor.extract_slice %[[R]][0, 0] [%[[M]], 512] [1, 1] : tensor<?x512xf32> to tensor<?x512xf32>
// CHECK:       return %[[S]]
// CHECK:     func.func private @__quantc_launch_gemm_0(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>, memref<?x1xf32>, memref<1x512xf32>, memref<1x512xf32>)
// CHECK-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>
// CHECK:     gpu.func @gemm_0(%[[A:.+]]: memref<128x256xi8>, %{{.+}}: memref<512x256xi8>, %[[C:.+]]: memref<128x512xf32>, %[[KXS:.+]]: memref<128x1xf32>, %{{.+}}: memref<1x512xf32>, %{{.+}}: memref<1x512xf32>) kernel
// CHECK-DAG:   %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:   %[[K128:.+]] = arith.constant 128 : index
// CHECK:       %[[GX:.+]] = gpu.grid_dim x
// CHECK:       %[[RT:.+]] = arith.divui %[[GX]], %[[C8]] : index
// CHECK:       %[[ROWS:.+]] = arith.muli %[[RT]], %[[K128]] : index
// CHECK:       %[[AV:.+]] = memref.reinterpret_cast %[[A]] to offset: [0], sizes: [%[[ROWS]], 256], strides: [256, 1] : memref<128x256xi8> to memref<?x256xi8>
// CHECK:       %[[CV:.+]] = memref.reinterpret_cast %[[C]] to offset: [0], sizes: [%[[ROWS]], 512], strides: [512, 1] : memref<128x512xf32> to memref<?x512xf32>
// CHECK:       %[[XSV:.+]] = memref.reinterpret_cast %[[KXS]] to offset: [0], sizes: [%[[ROWS]], 1], strides: [1, 1] : memref<128x1xf32> to memref<?x1xf32>
// CHECK:       %[[PID:.+]] = gpu.block_id x
// The last band of block-rows has min(row tiles - first, 8) of them.
// CHECK:       %[[IN:.+]] = arith.remui %[[PID]], %{{.+}} : index
// CHECK:       %[[G:.+]] = arith.divui %[[PID]], %{{.+}} : index
// CHECK:       %[[FIRST:.+]] = arith.muli %[[G]], %[[C8]] : index
// CHECK:       %[[LEFT:.+]] = arith.subi %[[RT]], %[[FIRST]] : index
// CHECK:       %[[BAND:.+]] = arith.minui %[[LEFT]], %[[C8]] : index
// CHECK:       %[[R0:.+]] = arith.remui %[[IN]], %[[BAND]] : index
// CHECK:       arith.addi %[[FIRST]], %[[R0]] : index
// CHECK:       arith.divui %[[IN]], %[[BAND]] : index
// CHECK:       nvgpu.device_async_copy %[[AV]][{{.+}}], {{.+}} : memref<?x256xi8> to
// CHECK:       nvgpu.mma.sync
// CHECK:       memref.load %[[XSV]][{{.+}}] : memref<?x1xf32>
// CHECK:       vector.store %{{.+}}, %[[CV]][{{.+}}] {alignment = 8 : i64} : memref<?x512xf32>, vector<2xf32>

// WGMMA-LABEL: func.func private @__quantc_launch_gemm_0
// WGMMA-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [256, 1, 1], shared_bytes = 99328, block_tile = [128, 64]>
// WGMMA:       gpu.func @gemm_0(%{{.+}}: memref<128x256xi8>, %{{.+}}: memref<512x256xi8>, %{{.+}}: memref<128x512xf32>, %{{.+}}: memref<128x1xf32>
// WGMMA:         gpu.grid_dim x
// WGMMA:         memref.reinterpret_cast {{.+}} : memref<128x256xi8> to memref<?x256xi8>
// WGMMA:         nvvm.wgmma.mma_async

// The wrapper: rows of A / 128 block-rows times 512 / 64 block-columns;
// nothing at all for no rows. Dynamic buffers are allocated by their rows,
// passed as their first row tile, and the tensor map of A spans the rows
// there are.
// WRAP-LABEL: func.func private @__quantc_launch_gemm_0
// WRAP-SAME:  (%[[A:.+]]: memref<?x256xi8>, %[[B:.+]]: memref<512x256xi8>, %[[C:.+]]: memref<?x512xf32>, %[[S:.+]]: memref<?x1xf32>, %{{.+}}: memref<1x512xf32>, %{{.+}}: memref<1x512xf32>) {
// WRAP:       %[[ROWS:.+]] = memref.dim %[[A]], %{{.+}} : memref<?x256xi8>
// WRAP:       %[[UP:.+]] = arith.addi %[[ROWS]], %{{.+}} : index
// WRAP:       %[[RT:.+]] = arith.divui %[[UP]], %{{.+}} : index
// WRAP:       %[[GX:.+]] = arith.muli %[[RT]], %{{.+}} : index
// WRAP:       %[[ANY:.+]] = arith.cmpi ne, %[[GX]], %{{.+}} : index
// WRAP:       scf.if %[[ANY]] {
// WRAP:         %[[AM:.+]] = memref.dim %[[A]], %{{.+}} : memref<?x256xi8>
// WRAP:         %[[DA:.+]], %{{.+}} = gpu.alloc async [%{{.+}}] (%[[AM]]) : memref<?x256xi8>
// WRAP:         gpu.alloc async [%{{.+}}] () : memref<512x256xi8>
// WRAP:         %[[CM:.+]] = memref.dim %[[C]], %{{.+}} : memref<?x512xf32>
// WRAP:         %[[DC:.+]], %{{.+}} = gpu.alloc async [%{{.+}}] (%[[CM]]) : memref<?x512xf32>
// WRAP:         %[[VA:.+]] = memref.reinterpret_cast %[[DA]] to offset: [0], sizes: [128, 256], strides: [256, 1] : memref<?x256xi8> to memref<128x256xi8>
// WRAP:         %[[VC:.+]] = memref.reinterpret_cast %[[DC]] to offset: [0], sizes: [128, 512], strides: [512, 1] : memref<?x512xf32> to memref<128x512xf32>
// WRAP:         %[[VS:.+]] = memref.reinterpret_cast %{{.+}} to offset: [0], sizes: [128, 1], strides: [1, 1] : memref<?x1xf32> to memref<128x1xf32>
// WRAP:         %[[DAM:.+]] = memref.dim %[[DA]], %{{.+}} : memref<?x256xi8>
// WRAP:         %[[DAM64:.+]] = arith.index_cast %[[DAM]] : index to i64
// WRAP:         %[[TA:.+]] = func.call @quantcTensorMap2D(%{{.+}}, %[[DAM64]], %{{.+}}, %{{.+}}, %{{.+}})
// WRAP:         gpu.launch_func async [%{{.+}}] @quantc_kernels::@gemm_0 blocks in (%[[GX]], %{{.+}}, %{{.+}}) threads in ({{.+}}) dynamic_shared_memory_size %{{.+}} args(%[[VA]] : memref<128x256xi8>, %{{.+}} : memref<512x256xi8>, %[[VC]] : memref<128x512xf32>, %[[VS]] : memref<128x1xf32>, {{.+}}, %[[TA]] : !llvm.ptr, %{{.+}} : !llvm.ptr)
// WRAP:         gpu.memcpy async [%{{.+}}] %[[C]], %[[DC]] : memref<?x512xf32>, memref<?x512xf32>
// WRAP:         gpu.wait [
// WRAP:         func.call @quantcTensorMapFree(%[[TA]])
// WRAP:       }
// WRAP-NEXT:  return
func.func @rescale_f32(%x: tensor<?x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<?x1xf32>, %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>) -> tensor<?x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<?x256xi8>, tensor<512x256xi8> -> tensor<?x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b : (tensor<?x512xi32>, tensor<?x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>) -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}

// -----

// A constant weight and no rescale: only the activation is padded.
// CHECK-LABEL: func.func @const_weight
// CHECK:       %[[W:.+]] = arith.constant dense<3> : tensor<64x128xi8>
// CHECK:       tensor.pad
// CHECK-NOT:   tensor.pad
// CHECK:       %[[WB:.+]] = bufferization.to_buffer %[[W]] read_only : tensor<64x128xi8> to memref<64x128xi8>
// CHECK:       call @__quantc_launch_gemm_0(%{{.+}}, %[[WB]], %{{.+}}) : (memref<?x128xi8>, memref<64x128xi8>, memref<?x64xi32>) -> ()
// CHECK:       tensor.extract_slice %{{.+}}[0, 0] [%{{.+}}, 64] [1, 1] : tensor<?x64xi32> to tensor<?x64xi32>
// CHECK:     #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 46080, block_tile = [128, 32]>
// CHECK:     gpu.func @gemm_0(%{{.+}}: memref<128x128xi8>, %{{.+}}: memref<64x128xi8>, %{{.+}}: memref<128x64xi32>) kernel
func.func @const_weight(%x: tensor<?x128xi8>) -> tensor<?x64xi32> {
  %w = arith.constant dense<3> : tensor<64x128xi8>
  %acc = quantc.matmul %x, %w : tensor<?x128xi8>, tensor<64x128xi8> -> tensor<?x64xi32>
  return %acc : tensor<?x64xi32>
}

// -----

// The broadcast of every epilogue operand comes from
// RescaleOp::getOperandBroadcast: a [1, 1] scale is read at row 0 and keeps
// its shape, a full [?, N] output scale is padded with the rows.
// CHECK-LABEL: func.func @scalar_and_full
// CHECK-SAME:  (%[[X:.+]]: tensor<?x256xi8>, %{{.+}}: tensor<512x256xi8>, %[[XS:.+]]: tensor<1x1xf32>, %{{.+}}: tensor<1x512xf32>, %[[OS:.+]]: tensor<?x512xf32>)
// CHECK:       tensor.pad %[[X]]
// CHECK-NOT:   tensor.pad %[[XS]]
// CHECK:       tensor.pad %[[OS]]
// CHECK:       call @__quantc_launch_gemm_0({{.+}}) : (memref<?x256xi8>, memref<512x256xi8>, memref<?x512xi8>, memref<1x1xf32>, memref<1x512xf32>, memref<?x512xf32>) -> ()
// CHECK:     gpu.func @gemm_0(%{{.+}}: memref<128x256xi8>, %{{.+}}: memref<512x256xi8>, %{{.+}}: memref<128x512xi8>, %[[KXS:.+]]: memref<1x1xf32>, %{{.+}}: memref<1x512xf32>, %[[KOS:.+]]: memref<128x512xf32>) kernel
// CHECK:       %[[OSV:.+]] = memref.reinterpret_cast %[[KOS]] {{.+}} : memref<128x512xf32> to memref<?x512xf32>
// CHECK:       memref.load %[[KXS]][%c0, %c0] : memref<1x1xf32>
// CHECK:       vector.load %[[OSV]][{{.+}}] {alignment = 8 : i64} : memref<?x512xf32>, vector<2xf32>
func.func @scalar_and_full(%x: tensor<?x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x512xf32>, %os: tensor<?x512xf32>) -> tensor<?x512xi8> {
  %acc = quantc.matmul %x, %w : tensor<?x256xi8>, tensor<512x256xi8> -> tensor<?x512xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os : (tensor<?x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>, tensor<?x512xf32>) -> tensor<?x512xi8>
  return %y : tensor<?x512xi8>
}

// -----

// An f16 scale is not an operand the kernels read: the kernel returns i32 and
// the rescale runs on the host, on the M rows of the sliced accumulator.
// CHECK-LABEL: func.func @f16_scale
// CHECK:       call @__quantc_launch_gemm_0({{.+}}) : (memref<?x256xi8>, memref<512x256xi8>, memref<?x512xi32>) -> ()
// CHECK:       %[[ACC:.+]] = tensor.extract_slice %{{.+}}[0, 0] [%{{.+}}, 512] [1, 1] : tensor<?x512xi32> to tensor<?x512xi32>
// CHECK:       quantc.rescale %[[ACC]]
func.func @f16_scale(%x: tensor<?x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<?x1xf16>, %ws: tensor<1x512xf32>) -> tensor<?x512xf32> {
  // expected-remark @+1 {{the rescale runs on the host, not in the kernel's epilogue: its operand of type tensor<?x1xf16> is not a 2-D f32 tensor with static columns, which the kernels read}}
  %acc = quantc.matmul %x, %w : tensor<?x256xi8>, tensor<512x256xi8> -> tensor<?x512xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<?x512xi32>, tensor<?x1xf16>, tensor<1x512xf32>) -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}
