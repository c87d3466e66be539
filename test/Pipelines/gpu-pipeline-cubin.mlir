// REQUIRES: ptxas
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_80 format=bin" | FileCheck %s --check-prefix=SM80
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=bin" | FileCheck %s --check-prefix=SM90
// RUN: quantc-opt %s --quantc-gpu-pipeline="chip=sm_90 format=fatbin" | FileCheck %s --check-prefix=FATBIN

// ptxas assembles the kernels (with the fused epilogue, whose GELU links
// libdevice) into cubins: ELF objects embedded in the gpu.binary.

// SM80: gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">, {{.*}}bin = "\7FELF
// SM90: gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// FATBIN: gpu.binary @quantc_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">, properties = {{{.*}}}, "P\EDU\BA
func.func @gemm(%x: tensor<128x128xi8>, %w: tensor<256x128xi8>, %xs: tensor<128x1xf32>, %ws: tensor<1x256xf32>) -> tensor<128x256xf32> {
  %acc = quantc.matmul %x, %w : tensor<128x128xi8>, tensor<256x128xi8> -> tensor<128x256xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<gelu>} : (tensor<128x256xi32>, tensor<128x1xf32>, tensor<1x256xf32>) -> tensor<128x256xf32>
  return %y : tensor<128x256xf32>
}
