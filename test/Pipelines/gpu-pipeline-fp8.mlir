// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}
// RUN: %if ptxas %{ quantc-opt %s --quantc-gpu-pipeline="chip=sm_90a format=bin tma=1" | FileCheck %s --check-prefix=BIN %}

// FP8 W8A8 through the whole GPU pipeline: the per-token activation is
// quantized to E4M3 on the host (integer arithmetic, no f8 instruction), the
// kernel runs wgmma e4m3 with f32 accumulators and the rescale epilogue;
// ptxas accepts it for sm_90a.

// CHECK: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}assembly = "
// CHECK-SAME: .target sm_90a
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n{{[0-9]+}}k32.f32.e4m3.e4m3
// CHECK-SAME: wgmma.commit_group.sync.aligned;
// CHECK-NOT: satfinite
// BIN: gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF
func.func @linear(%x: tensor<256x512xf32>, %w: tensor<1024x512xf8E4M3FN>, %ws: tensor<1x1024xf32>) -> tensor<256x1024xf32> {
  %xs = quantc.compute_scale %x {dims = array<i64: 1>, qmax = 448} : tensor<256x512xf32> -> tensor<256x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<256x512xf32>, tensor<256x1xf32> -> tensor<256x512xf8E4M3FN>
  %acc = quantc.matmul %xq, %w : tensor<256x512xf8E4M3FN>, tensor<1024x512xf8E4M3FN> -> tensor<256x1024xf32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<256x1024xf32>, tensor<256x1xf32>, tensor<1x1024xf32>) -> tensor<256x1024xf32>
  return %y : tensor<256x1024xf32>
}
