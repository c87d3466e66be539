// RUN: quantc-opt %s --convert-quantc-to-gpu="split-k=2" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_80 split-k=2" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-gpu-pipeline="split-k=2 format=isa" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=PIPE
// RUN: quantc-opt %s --convert-quantc-to-gpu="tile-n=64" -split-input-file 2>/dev/null | FileCheck %s --check-prefix=TILED
// RUN: not quantc-opt %s --convert-quantc-to-gpu="split-k=-2" -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not quantc-opt %s --quantc-gpu-pipeline="split-k=-2" 2>&1 | FileCheck %s --check-prefix=BADPIPE

// split-k=S forces the split-K kernel with S slices on any chip and weight
// size (M <= 16); a GEMM it cannot take gets a remark and the mma.sync
// kernel.

// 4 x 1024 x 512: 8 column tiles x 2 slices of one 256-byte step each.
// CHECK-LABEL: func.func @small
// CHECK:       arith.constant dense<0> : tensor<4104xi32>
// CHECK:       grid = [8, 2, 1], block = [128, 1, 1], shared_bytes = 0
// CHECK:       gpu.func @gemm_0
// CHECK:       scf.for
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK:       memref.atomic_rmw addi
// CHECK:       arith.cmpi eq, %{{.+}}, %c1_i32
func.func @small(%x: tensor<4x512xi8>, %w: tensor<1024x512xi8>) -> tensor<4x1024xi32> {
  %acc = quantc.matmul %x, %w : tensor<4x512xi8>, tensor<1024x512xi8> -> tensor<4x1024xi32>
  return %acc : tensor<4x1024xi32>
}

// A tiling option is for the tiled kernels: no automatic split-K (the
// decode-shaped @decode below).
// TILED-LABEL: func.func @decode
// TILED:       grid = [64, 1, 1]
// TILED-NOT:   memref.atomic_rmw

// The GPU pipeline passes split-k on.
// PIPE: assembly = "{{.*}}bar.red.or.pred
// BAD: error: --convert-quantc-to-gpu: split-k must be -1 (never), 0 (automatic) or a number of K slices, got -2
// BADPIPE: error: --quantc-gpu-pipeline: split-k must be -1 (never), 0 (automatic) or a number of K slices, got -2

// -----

// CHECK-LABEL: func.func @one_step
// CHECK-NOT:   memref.atomic_rmw
func.func @one_step(%x: tensor<4x256xi8>, %w: tensor<1024x256xi8>) -> tensor<4x1024xi32> {
  // expected-remark @+1 {{not on the split-K decode kernel: 2 K slices exceed the 1 steps of 256 bytes in K = 256}}
  %acc = quantc.matmul %x, %w : tensor<4x256xi8>, tensor<1024x256xi8> -> tensor<4x1024xi32>
  return %acc : tensor<4x1024xi32>
}

// -----

// More than 16 rows: not a decode GEMM; split-k=2 is not taken, and a
// remark says why (it was silently ignored).
// CHECK-LABEL: func.func @rows32
// CHECK-NOT:   memref.atomic_rmw
func.func @rows32(%x: tensor<32x512xi8>, %w: tensor<1024x512xi8>) -> tensor<32x1024xi32> {
  // expected-remark @+1 {{not on the split-K decode kernel: it takes at most 16 rows known at compile time, this GEMM has 32}}
  %acc = quantc.matmul %x, %w : tensor<32x512xi8>, tensor<1024x512xi8> -> tensor<32x1024xi32>
  return %acc : tensor<32x1024xi32>
}

// -----

// CHECK-LABEL: func.func @decode
// CHECK:       grid = [32, 2, 1]
func.func @decode(%x: tensor<2x4096xi8>, %w: tensor<4096x4096xi8>) -> tensor<2x4096xi32> {
  %acc = quantc.matmul %x, %w : tensor<2x4096xi8>, tensor<4096x4096xi8> -> tensor<2x4096xi32>
  return %acc : tensor<2x4096xi32>
}

