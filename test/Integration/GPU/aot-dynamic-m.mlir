// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot %S/Inputs/dynamic_m.mlir %S/Inputs/dynamic_m_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_dynamic_m_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a %S/Inputs/dynamic_m.mlir %S/Inputs/dynamic_m_driver.cpp -o %t.wgmma.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_dynamic_m_checks.py %t.wgmma.exe %quantc_src_root/python/quantc %t.wgmma.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a --tma %S/Inputs/dynamic_m.mlir %S/Inputs/dynamic_m_driver.cpp -o %t.tma.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_dynamic_m_checks.py %t.tma.exe %quantc_src_root/python/quantc %t.tma.dir | FileCheck %s %}
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_dynamic_m_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY

// Dynamic M, ahead of time: Inputs/dynamic_m.mlir holds int8 GEMMs whose row
// count (the number of tokens) is dynamic, with fused epilogues (f32, f16 with
// a constant weight, requantized i8). One compiled function of each is called
// for M = 0 (no launch), 1, 7, 16, 33, 200 and 1100 (more than 8 row tiles);
// where a GPU is present every output is compared with the NumPy reference
// bit for bit, for the sm_90 mma.sync kernels and the sm_90a wgmma kernels
// (cp.async and TMA). Without a GPU, the lit run checks that the executables
// build.

// CHECK-COUNT-28: PASS
// CHECK-NOT: FAIL
// CHECK: ALL PASS

// Without a GPU (QUANTC_DRY_RUN=1): the inputs and every NumPy reference.
// DRY-COUNT-28: DRY {{.*}}: reference
// DRY: DRY: 28 references computed
