// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot %S/Inputs/conv.mlir %S/Inputs/conv_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_conv_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_conv_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY

// QDQ int8 convolutions on the GPU, ahead of time: --quantc-conv-to-gemm
// turns them (stride 2; dilation 2) into im2col GEMMs on the Tensor Core
// kernel with the rescale fused (test/Pipelines/conv-pipelines.mlir checks
// the PTX). Where a GPU is present, every output is compared bit for bit
// with a NumPy convolution summed over the window. Without a GPU, the lit run
// checks that the executable builds.

// CHECK-COUNT-2: PASS
// CHECK-NOT: FAIL
// CHECK: ALL PASS

// Without a GPU (QUANTC_DRY_RUN=1): the inputs and every NumPy reference.
// DRY-COUNT-2: DRY {{.*}}: reference
// DRY: DRY: 2 references computed
