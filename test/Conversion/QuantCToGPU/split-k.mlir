// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SM90A
// RUN: quantc-opt %s --convert-quantc-to-gpu="split-k=-1" -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_80" -split-input-file | FileCheck %s --check-prefix=OFF

// Decode-shaped GEMMs (M <= 16, weights >= 1 MiB) on sm_90 / sm_90a run on
// the split-K kernel: a grid of ceil(N / 128) column tiles x K slices, a
// zeroed i32 workspace (rows x N partial sums + one counter per column tile)
// passed after the epilogue operands. split-k=-1 and sm_80 keep the mma.sync
// kernel.

// 7 rows, N = 4144 (32 full column tiles and a 48-column tail), K = 4096:
// 33 tiles x 8 slices = 264 blocks, 2 per SM of the 132.
// CHECK-LABEL: func.func @tail
// CHECK:       %[[XP:.+]] = tensor.pad %{{.+}} low[0, 0] high[9, 0]
// CHECK:       %[[WS:.+]] = arith.constant dense<0> : tensor<29041xi32>
// CHECK:       %[[WSB:.+]] = bufferization.to_buffer %[[WS]] read_only : tensor<29041xi32> to memref<29041xi32>
// CHECK:       call @__quantc_launch_gemm_0(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[WSB]]) : (memref<16x4096xi8>, memref<4144x4096xi8>, memref<16x4144xf32>, memref<16x1xf32>, memref<1x4144xf32>, memref<29041xi32>) -> ()
// CHECK:       tensor.extract_slice %{{.+}}[0, 0] [7, 4144] [1, 1]
// CHECK:       func.func private @__quantc_launch_gemm_0
// CHECK-SAME:    grid = [33, 8, 1], block = [128, 1, 1], shared_bytes = 0>
// CHECK:       gpu.func @gemm_0(%[[A:.+]]: memref<16x4096xi8>, %[[B:.+]]: memref<4144x4096xi8>, %[[C:.+]]: memref<16x4144xf32>, %[[XS:.+]]: memref<16x1xf32>, %[[WSC:.+]]: memref<1x4144xf32>, %[[W:.+]]: memref<29041xi32>) kernel
// CHECK-SAME:    known_block_size = array<i32: 128, 1, 1>
// CHECK-NOT:   gpu.dynamic_shared_memory
// CHECK:       %[[TID:.+]] = gpu.thread_id x
// CHECK:       %[[TILE:.+]] = gpu.block_id x
// CHECK:       %[[SPLIT:.+]] = gpu.block_id y
// CHECK:       %[[LANE:.+]] = arith.remui %[[TID]], %c32
// CHECK:       %[[WARP:.+]] = arith.divui %[[TID]], %c32
// CHECK:       %[[G:.+]] = arith.divui %[[LANE]], %c4
// CHECK:       %[[T:.+]] = arith.remui %[[LANE]], %c4
// CHECK:       %[[KOFF:.+]] = arith.muli %[[T]], %c16
// Weight rows past N (the tail block) are clamped to N - 1.
// CHECK:       arith.minui %{{.+}}, %c4143
// Slice y: steps [y * 16 / 8, (y + 1) * 16 / 8) of 256 bytes.
// CHECK:       %[[KB:.+]] = arith.divui %{{.+}}, %c8
// CHECK:       %[[KE:.+]] = arith.divui %{{.+}}, %c8
// CHECK:       %[[SUMS:.+]]:4 = scf.for %[[KT:.+]] = %[[KB]] to %[[KE]] step %c1 iter_args
// CHECK:         %[[K0:.+]] = arith.muli %[[KT]], %c256
// CHECK:         %[[K:.+]] = arith.addi %[[K0]], %[[KOFF]]
// CHECK:         vector.load %[[B]][%{{.+}}, %[[K]]] {alignment = 16 : i64} : memref<4144x4096xi8>, vector<16xi8>
// CHECK:         %[[K64:.+]] = arith.addi %[[K]], %c64
// CHECK:         vector.load %[[B]][%{{.+}}, %[[K64]]] {alignment = 16 : i64}
// CHECK-COUNT-14: vector.load %[[B]]
// Rows g of A only (M <= 8: rows g + 8 are the zero padding, constants).
// CHECK-COUNT-4: vector.load %[[A]][%[[G]], %{{.+}}] {alignment = 16 : i64} : memref<16x4096xi8>, vector<16xi8>
// CHECK-NOT:     vector.load
// CHECK:         %[[LO:.+]] = vector.shape_cast %{{.+}} : vector<16xi8> to vector<4x4xi8>
// CHECK:         %[[AF:.+]] = vector.shuffle %[[LO]], %{{.+}} [0, 4, 1, 5] : vector<4x4xi8>, vector<4x4xi8>
// CHECK:         vector.shuffle %[[LO]], %{{.+}} [2, 6, 3, 7]
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK-NOT:     nvgpu.mma.sync
// CHECK:         scf.yield
// Partial sums of real rows (g < 7) and columns < N into the workspace.
// CHECK:       arith.cmpi slt, %[[G]], %c7
// CHECK:       arith.cmpi slt, %{{.+}}, %c4144
// CHECK:       scf.if
// CHECK:         memref.atomic_rmw addi %{{.+}}, %[[W]][%{{.+}}] : (i32, memref<29041xi32>) -> i32
// CHECK:         memref.atomic_rmw addi
// CHECK:       nvvm.memory.barrier <gpu>
// CHECK-NEXT:  gpu.barrier
// The counter of this column tile: after the 7 x 4144 sums.
// CHECK-NEXT:  %[[CNT:.+]] = arith.addi %c29008, %[[TILE]]
// CHECK:       scf.if %{{.+}} -> (i32)
// CHECK:         %[[OLD:.+]] = memref.atomic_rmw addi %c1_i32, %[[W]][%[[CNT]]]
// CHECK:         arith.cmpi eq, %[[OLD]], %c7_i32
// CHECK:       %[[ANY:.+]] = nvvm.barrier #nvvm.reduction<or> %{{.+}} -> i32
// CHECK:       %[[LAST:.+]] = arith.cmpi ne, %[[ANY]]
// CHECK:       scf.if %[[LAST]] {
// CHECK-NEXT:    nvvm.memory.barrier <gpu>
// CHECK:         %[[S0:.+]] = memref.atomic_rmw assign %{{.+}}, %[[W]][%{{.+}}]
// CHECK:         %[[S1:.+]] = memref.atomic_rmw assign %{{.+}}, %[[W]][%{{.+}}]
// CHECK:         %[[PAIR:.+]] = vector.from_elements %[[S0]], %[[S1]] : vector<2xi32>
// CHECK:         arith.sitofp %[[PAIR]]
// CHECK:         vector.store %{{.+}}, %[[C]][%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<16x4144xf32>, vector<2xf32>
// CHECK:         memref.atomic_rmw assign %{{.+}}, %[[W]][%[[CNT]]]
// CHECK:       gpu.return

// SM90A: func.func private @__quantc_launch_gemm_0
// SM90A-SAME:  grid = [33, 8, 1], block = [128, 1, 1], shared_bytes = 0>
// SM90A-NOT:   nvvm.wgmma
// SM90A:       gpu.func @gemm_0
// SM90A-COUNT-32: nvgpu.mma.sync

// OFF-LABEL:   func.func @tail
// OFF:         func.func private @__quantc_launch_gemm_0(memref<16x4096xi8>, memref<4144x4096xi8>, memref<16x4144xf32>, memref<16x1xf32>, memref<1x4144xf32>)
// OFF-NOT:     memref.atomic_rmw
func.func @tail(%x: tensor<7x4096xi8>, %w: tensor<4144x4096xi8>, %xs: tensor<7x1xf32>, %ws: tensor<1x4144xf32>) -> tensor<7x4144xf32> {
  %acc = quantc.matmul %x, %w : tensor<7x4096xi8>, tensor<4144x4096xi8> -> tensor<7x4144xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<7x4144xi32>, tensor<7x1xf32>, tensor<1x4144xf32>) -> tensor<7x4144xf32>
  return %y : tensor<7x4144xf32>
}

// -----

// 16 rows of an 11008 x 4096 weight, int32 out: 86 tiles x 6 slices (516
// blocks: 4 waves of 132, 98 % full); rows g + 8 are loaded (M > 8), every
// row is real (no row guard) and N is a multiple of 128 (no column guard,
// no clamp).
// CHECK-LABEL: func.func @up
// CHECK-NOT:   tensor.pad
// CHECK:       arith.constant dense<0> : tensor<176214xi32>
// CHECK:       func.func private @__quantc_launch_gemm_0
// CHECK-SAME:    grid = [86, 6, 1], block = [128, 1, 1], shared_bytes = 0>
// CHECK:       gpu.func @gemm_0(%[[A:.+]]: memref<16x4096xi8>, %{{.+}}: memref<11008x4096xi8>, %[[C:.+]]: memref<16x11008xi32>, %[[W:.+]]: memref<176214xi32>)
// CHECK-NOT:   arith.minui
// CHECK:       scf.for
// CHECK-COUNT-4: vector.load %[[A]][%[[G:.+]], %{{.+}}]
// CHECK:       %[[G8:.+]] = arith.addi %[[G]], %c8
// CHECK-COUNT-4: vector.load %[[A]][%[[G8]], %{{.+}}]
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK:       scf.yield
// CHECK-NOT:   arith.cmpi slt
// CHECK:       memref.atomic_rmw addi
// CHECK:       %[[CNT:.+]] = arith.addi %c176128, %{{.+}}
// CHECK:       arith.cmpi eq, %{{.+}}, %c5_i32
// CHECK:       memref.atomic_rmw assign
// CHECK:       vector.store %{{.+}}, %[[C]][%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<16x11008xi32>, vector<2xi32>
// OFF-LABEL:   func.func @up
// OFF-NOT:     memref.atomic_rmw
func.func @up(%x: tensor<16x4096xi8>, %w: tensor<11008x4096xi8>) -> tensor<16x11008xi32> {
  %acc = quantc.matmul %x, %w : tensor<16x4096xi8>, tensor<11008x4096xi8> -> tensor<16x11008xi32>
  return %acc : tensor<16x11008xi32>
}

// -----

// One token, N = 4096: 32 tiles x 8 slices.
// CHECK-LABEL: func.func @one
// CHECK:       tensor.pad %{{.+}} low[0, 0] high[15, 0]
// CHECK:       grid = [32, 8, 1]
// CHECK:       arith.cmpi slt, %{{.+}}, %c1 : index
func.func @one(%x: tensor<1x4096xi8>, %w: tensor<4096x4096xi8>) -> tensor<1x4096xi32> {
  %acc = quantc.matmul %x, %w : tensor<1x4096xi8>, tensor<4096x4096xi8> -> tensor<1x4096xi32>
  return %acc : tensor<1x4096xi32>
}

// -----

// Small weights (< 1 MiB) and more than 16 rows keep the mma.sync kernel.
// CHECK-LABEL: func.func @small
// CHECK-NOT:   memref.atomic_rmw
// CHECK-LABEL: func.func @rows17
// CHECK:       grid = [{{[0-9]+}}, 1, 1]
// CHECK-NOT:   memref.atomic_rmw
func.func @small(%x: tensor<4x512xi8>, %w: tensor<1024x512xi8>) -> tensor<4x1024xi32> {
  %acc = quantc.matmul %x, %w : tensor<4x512xi8>, tensor<1024x512xi8> -> tensor<4x1024xi32>
  return %acc : tensor<4x1024xi32>
}
func.func @rows17(%x: tensor<17x4096xi8>, %w: tensor<4096x4096xi8>) -> tensor<17x4096xi32> {
  %acc = quantc.matmul %x, %w : tensor<17x4096xi8>, tensor<4096x4096xi8> -> tensor<17x4096xi32>
  return %acc : tensor<17x4096xi32>
}

// -----

// A decode-shaped GEMM the kernel cannot take says why and runs on mma.sync.
// CHECK-LABEL: func.func @k_tail
// CHECK-NOT:   memref.atomic_rmw
func.func @k_tail(%x: tensor<2x4224xi8>, %w: tensor<4096x4224xi8>) -> tensor<2x4096xi32> {
  // expected-remark @+1 {{not on the split-K decode kernel: the reduction dimension (4224) is not a multiple of 256 (its K step)}}
  %acc = quantc.matmul %x, %w : tensor<2x4224xi8>, tensor<4096x4224xi8> -> tensor<2x4096xi32>
  return %acc : tensor<2x4096xi32>
}
