// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot --chip sm_90a %S/Inputs/fp8_gemm.mlir %S/Inputs/fp8_gemm_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_fp8_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a --tma %S/Inputs/fp8_gemm.mlir %S/Inputs/fp8_gemm_driver.cpp -o %t.tma.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_fp8_checks.py %t.tma.exe %quantc_src_root/python/quantc %t.tma.dir | FileCheck %s %}
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_fp8_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY

// FP8 (E4M3) W8A8 ahead of time: the wgmma e4m3 kernels (cp.async, and TMA)
// with f32 accumulators and the fused rescale, the host's E4M3 quantize.
// Without a GPU, lit checks that the executables build; with an sm_90a GPU
// every output is compared with the NumPy E4M3 simulation (never run yet:
// the session that wrote it had no GPU).

// CHECK: PASS fp8_quantize: bit-exact
// CHECK: PASS fp8_gemm
// CHECK: PASS fp8_linear
// CHECK: ALL PASS

// Without a GPU (QUANTC_DRY_RUN=1): the inputs and every NumPy reference.
// DRY-COUNT-3: DRY {{.*}}: reference
// DRY: DRY: 3 references computed
