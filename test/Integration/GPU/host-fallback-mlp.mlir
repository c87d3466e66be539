// The example MLP's GEMMs are too small for the Tensor Core kernels (K = 16),
// so --quantc-gpu-pipeline keeps them on the host: its output is a plain host
// program that mlir-runner runs on any machine, with the same results as
// --quantc-cpu-pipeline's reference lowering (cpu=generic: on x86 the float
// GEMMs take FMA kernels, which round differently).
// RUN: quantc-opt %S/../../../examples/mlp.mlir --quantc-gpu-pipeline="chip=sm_90 format=isa" 2>/dev/null | mlir-runner -e main -entry-point-result=void -O3 -shared-libs=%mlir_runner_libs | grep -v base@ > %t.gpu
// RUN: quantc-opt %S/../../../examples/mlp.mlir --quantc-cpu-pipeline=cpu=generic | mlir-runner -e main -entry-point-result=void -O3 -shared-libs=%mlir_runner_libs | grep -v base@ > %t.cpu
// RUN: diff %t.gpu %t.cpu
// RUN: FileCheck %s < %t.gpu
// CHECK: int8 model output:
// CHECK-NEXT: {{^\[\[[-0-9.]+,}}
