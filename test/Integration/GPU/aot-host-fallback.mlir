// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot %S/Inputs/host_fallback.mlir %S/Inputs/host_fallback_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_host_fallback_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a %S/Inputs/host_fallback.mlir %S/Inputs/host_fallback_driver.cpp -o %t.sm90a.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_host_fallback_checks.py %t.sm90a.exe %quantc_src_root/python/quantc %t.sm90a.dir | FileCheck %s %}
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_host_fallback_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY
// RUN: quantc-opt %S/Inputs/host_fallback.mlir --convert-quantc-to-gpu 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// GEMMs no Tensor Core kernel takes, ahead of time, in a GPU program: they
// stay on the host (a remark each), next to and fed by a GEMM on the GPU.
// Where a GPU is present every output is compared with the NumPy reference
// bit for bit (sm_90 and sm_90a builds). Without a GPU the lit run checks
// that the executables build, which GEMMs stay on the host, and that the
// check's NumPy references run (QUANTC_DRY_RUN=1, the program not run).

// REMARK: host_fallback.mlir:11:10: remark: runs on the host, not on Tensor Cores: the reduction dimension (16) is not a multiple of 32
// REMARK: host_fallback.mlir:17:10: remark: runs on the host, not on Tensor Cores: the column dimension (24) is not a multiple of 16
// REMARK: host_fallback.mlir:26:8: remark: runs on the host, not on Tensor Cores: the column dimension (24) is not a multiple of 16
// REMARK-NOT: remark

// DRY: DRY host_k16_f32: reference float32 (33, 48)
// DRY: DRY host_n24_i32: reference int32 (64, 24)
// DRY: DRY gpu_then_host: reference int32 (32, 24)
// DRY: DRY: 3 references computed

// CHECK: PASS host_k16_f32: bit-exact
// CHECK: PASS host_n24_i32: bit-exact
// CHECK: PASS gpu_then_host: bit-exact
// CHECK: ALL PASS
