// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" | FileCheck %s
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=isa" | not grep -E '\.shared|cp\.async|ldmatrix|\.local'
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=SM90A
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=bin" | FileCheck %s --check-prefix=BIN %}
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN90A %}

// The split-K decode kernel in PTX: no shared memory; in the K loop 16-byte
// global loads (16 of the weight, 4 of A for M <= 8) and 32 int8 MMAs; then
// the partial sums added at GPU scope, a fence, the block's arrival counted
// by thread 0 and broadcast with a reducing barrier, and in the last block
// the sums exchanged against zero and stored through the f32 epilogue (no
// shared or local memory, no cp.async, no ldmatrix). With
// ptxas, cubins for sm_90 and sm_90a.

// CHECK:       gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME:  .entry gemm_0(
// CHECK-SAME:  mov.u32 \09%r{{[0-9]+}}, %ctaid.y;
// CHECK-SAME:  $L__BB0_2:
// CHECK-COUNT-16: ld.global.v4.b32
// CHECK-SAME:  mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// CHECK-SAME:  bra {{.+}}$L__BB0_2;
// CHECK-SAME:  atom.global.add.u32
// CHECK-SAME:  membar.gl;
// CHECK-SAME:  bar.sync \090;
// CHECK-SAME:  atom.global.add.u32 \09%r{{[0-9]+}}, [%rd{{[0-9]+}}+116032], 1;
// CHECK-SAME:  bar.red.or.pred
// CHECK-SAME:  membar.gl;
// CHECK-SAME:  atom.global.exch.b32
// CHECK-SAME:  cvt.rn.f32.s32
// CHECK-SAME:  st.global.v2.b32
// CHECK-SAME:  atom.global.exch.b32 \09%r{{[0-9]+}}, [%rd{{[0-9]+}}+116032], 0;
// CHECK-SAME:  ret;

// SM90A: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}assembly = "
// SM90A-SAME: mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32
// SM90A-SAME: bar.red.or.pred

// BIN: #nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// BIN90A: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @tail(%x: tensor<7x4096xi8>, %w: tensor<4144x4096xi8>, %xs: tensor<7x1xf32>, %ws: tensor<1x4144xf32>) -> tensor<7x4144xf32> {
  %acc = quantc.matmul %x, %w : tensor<7x4096xi8>, tensor<4144x4096xi8> -> tensor<7x4144xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<7x4144xi32>, tensor<7x1xf32>, tensor<1x4144xf32>) -> tensor<7x4144xf32>
  return %y : tensor<7x4144xf32>
}
