// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="tile-m=64 tile-n=64 tile-k=64 warp-m=32 warp-n=32 stages=2" -split-input-file | FileCheck %s --check-prefix=TILE

// A plain int8 GEMM: the op becomes a call to a launch wrapper on buffers, the
// kernel streams tiles with cp.async, loads fragments with ldmatrix and
// multiplies with mma.sync m16n8k32 s8.

// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[X:.+]]: tensor<256x128xi8>, %[[W:.+]]: tensor<256x128xi8>)
// CHECK-DAG:   %[[XB:.+]] = bufferization.to_buffer %[[X]] read_only : tensor<256x128xi8> to memref<256x128xi8>
// CHECK-DAG:   %[[WB:.+]] = bufferization.to_buffer %[[W]] read_only : tensor<256x128xi8> to memref<256x128xi8>
// CHECK:       %[[OUT:.+]] = memref.alloc() : memref<256x256xi32>
// CHECK:       call @__quantc_launch_gemm_0(%[[XB]], %[[WB]], %[[OUT]])
// CHECK:       %[[R:.+]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:       return %[[R]]
// CHECK-NOT:   quantc.matmul
// CHECK:     func.func private @__quantc_launch_gemm_0(memref<256x128xi8>, memref<256x128xi8>, memref<256x256xi32>)
// CHECK-SAME:  quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [16, 1, 1], block = [128, 1, 1], shared_bytes = 46080>
// CHECK:     gpu.module @quantc_kernels
// CHECK:       gpu.func @gemm_0(%{{.+}}: memref<256x128xi8>, %{{.+}}: memref<256x128xi8>, %{{.+}}: memref<256x256xi32>) kernel
// CHECK-SAME:    known_block_size = array<i32: 128, 1, 1>
// CHECK:         gpu.dynamic_shared_memory
// CHECK:         nvgpu.device_async_copy {{.+}}, 16 {bypassL1}
// CHECK:         nvgpu.device_async_create_group
// CHECK:         nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// CHECK:         gpu.barrier
// CHECK:         nvgpu.ldmatrix {{.+}} {numTiles = 4 : i32, transpose = false} : memref<2x128x144xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK:         scf.for
// The zero-filled tail: src-size 0 past the last K tile.
// CHECK:           arith.select %{{.+}}, %c16, %c0 : index
// CHECK:           nvgpu.device_async_copy {{.+}}, 16, %{{.+}} {bypassL1}
// CHECK:           nvgpu.mma.sync({{.+}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK:           scf.yield
// CHECK:         vector.store %{{.+}}, %{{.+}} {alignment = 8 : i64} : memref<256x256xi32>, vector<2xi32>

// TILE-LABEL: func.func private @__quantc_launch_gemm_0
// TILE-SAME:  #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0, grid = [16, 1, 1], block = [128, 1, 1], shared_bytes = 20480>
// TILE:       nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// TILE:       memref<2x64x80xi8, #gpu.address_space<workgroup>>
func.func @gemm(%x: tensor<256x128xi8>, %w: tensor<256x128xi8>) -> tensor<256x256xi32> {
  %acc = quantc.matmul %x, %w : tensor<256x128xi8>, tensor<256x128xi8> -> tensor<256x256xi32>
  return %acc : tensor<256x256xi32>
}

// -----

// The rescale epilogue (row and column scales, bias, GELU, requantize) is
// fused into the kernel: ((f32(acc) * xs) * ws) + bias, then round half to
// even, NaN to 0, clamp, fptosi.

// CHECK-LABEL: func.func @fused
// CHECK-NOT:   quantc.
// CHECK:       call @__quantc_launch_gemm_0(%{{.+}}, %{{.+}}, %[[OUT:.+]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<128x256xi8>, memref<512x256xi8>, memref<128x512xi8>, memref<128x1xf32>, memref<1x512xf32>, memref<1x512xf32>, memref<1x1xf32>) -> ()
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable : memref<128x512xi8> to tensor<128x512xi8>
// CHECK:     gpu.func @gemm_0(%{{.+}}: memref<128x256xi8>, %{{.+}}: memref<512x256xi8>, %[[C:.+]]: memref<128x512xi8>, %[[XS:.+]]: memref<128x1xf32>, %[[WS:.+]]: memref<1x512xf32>, %[[B:.+]]: memref<1x512xf32>, %[[OS:.+]]: memref<1x1xf32>)
// CHECK:       nvgpu.mma.sync
// CHECK:       %[[F:.+]] = arith.sitofp %{{.+}} : vector<2xi32> to vector<2xf32>
// CHECK:       %[[XSV:.+]] = memref.load %[[XS]][%{{.+}}, %c0] : memref<128x1xf32>
// CHECK:       %[[XSB:.+]] = vector.broadcast %[[XSV]] : f32 to vector<2xf32>
// CHECK:       %[[F1:.+]] = arith.mulf %[[F]], %[[XSB]] : vector<2xf32>
// CHECK:       %[[WSV:.+]] = vector.load %[[WS]][%c0, %{{.+}}] {alignment = 8 : i64} : memref<1x512xf32>, vector<2xf32>
// CHECK:       %[[F2:.+]] = arith.mulf %[[F1]], %[[WSV]] : vector<2xf32>
// CHECK:       %[[BV:.+]] = vector.load %[[B]][%c0, %{{.+}}] {alignment = 8 : i64} : memref<1x512xf32>, vector<2xf32>
// CHECK:       %[[F3:.+]] = arith.addf %[[F2]], %[[BV]] : vector<2xf32>
// CHECK:       math.erf
// CHECK:       %[[OSV:.+]] = memref.load %[[OS]][%c0, %c0] : memref<1x1xf32>
// CHECK:       arith.divf
// CHECK:       math.roundeven
// CHECK:       arith.cmpf uno
// CHECK:       arith.maxnumf
// CHECK:       arith.minnumf
// CHECK:       %[[Q:.+]] = arith.fptosi %{{.+}} : vector<2xf32> to vector<2xi8>
// CHECK:       vector.store %[[Q]], %[[C]][%{{.+}}, %{{.+}}] {alignment = 2 : i64} : memref<128x512xi8>, vector<2xi8>
func.func @fused(%x: tensor<128x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<128x1xf32>, %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>, %os: tensor<1x1xf32>) -> tensor<128x512xi8> {
  %acc = quantc.matmul %x, %w : tensor<128x256xi8>, tensor<512x256xi8> -> tensor<128x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<gelu>} : (tensor<128x512xi32>, tensor<128x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<1x1xf32>) -> tensor<128x512xi8>
  return %y : tensor<128x512xi8>
}

// -----

// f16 output with ReLU; a rescale that is not the only user is not fused.

// CHECK-LABEL: func.func @f16_relu
// CHECK:     gpu.func @gemm_0({{.+}}: memref<64x512xf16>
// CHECK:       arith.maximumf
// CHECK:       arith.truncf %{{.+}} : vector<2xf32> to vector<2xf16>
// CHECK:       vector.store %{{.+}} {alignment = 4 : i64} : memref<64x512xf16>, vector<2xf16>
func.func @f16_relu(%x: tensor<64x64xi8>, %w: tensor<512x64xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x512xf32>) -> tensor<64x512xf16> {
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<512x64xi8> -> tensor<64x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<relu>} : (tensor<64x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>) -> tensor<64x512xf16>
  return %y : tensor<64x512xf16>
}

// -----

// CHECK-LABEL: func.func @two_users
// CHECK:       call @__quantc_launch_gemm_0
// CHECK:       quantc.rescale
// CHECK:     gpu.func @gemm_0({{.+}}: memref<64x512xi32>)
func.func @two_users(%x: tensor<64x64xi8>, %w: tensor<512x64xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x512xf32>) -> (tensor<64x512xf32>, tensor<64x512xi32>) {
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<512x64xi8> -> tensor<64x512xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<64x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>) -> tensor<64x512xf32>
  return %y, %acc : tensor<64x512xf32>, tensor<64x512xi32>
}
