// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot %S/Inputs/epilogues.mlir %S/Inputs/epilogues_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_gpu_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a --tma %S/Inputs/epilogues.mlir %S/Inputs/epilogues_driver.cpp -o %t.tma.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_gpu_checks.py %t.tma.exe %quantc_src_root/python/quantc %t.tma.dir | FileCheck %s %}
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_gpu_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY

// Ahead-of-time path: quantc-aot turns Inputs/epilogues.mlir (int8 GEMMs with
// fused rescale epilogues) into an executable linked against the quantc CUDA
// runtime and libcuda; it needs no LLVM at run time. Where a GPU is present,
// every output is compared with the NumPy reference (bit-exact except GELU).
// The lit run on a machine without a GPU checks that the executables build
// (sm_90 mma.sync kernels; sm_90a wgmma kernels with TMA and mbarriers).

// CHECK: PASS gemm_i32: bit-exact
// CHECK: PASS gemm_small: bit-exact
// CHECK: PASS rescale_f32: bit-exact
// CHECK: PASS rescale_f16_relu: bit-exact
// CHECK: PASS requant_i8: bit-exact
// CHECK: PASS gelu_f32
// CHECK: ALL PASS

// Without a GPU (QUANTC_DRY_RUN=1): the inputs and every NumPy reference.
// DRY-COUNT-6: DRY {{.*}}: reference
// DRY: DRY: 6 references computed
