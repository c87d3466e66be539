// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot %S/Inputs/split_k.mlir %S/Inputs/split_k_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_split_k_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a %S/Inputs/split_k.mlir %S/Inputs/split_k_driver.cpp -o %t.sm90a.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_split_k_checks.py %t.sm90a.exe %quantc_src_root/python/quantc %t.sm90a.dir | FileCheck %s %}
// RUN: quantc-opt %S/Inputs/split_k.mlir --convert-quantc-to-gpu | FileCheck %s --check-prefix=KERNEL
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_split_k_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY

// The split-K decode kernel ahead of time: Inputs/split_k.mlir holds int8
// GEMMs of 1, 7 and 16 rows (zero-padded to 16) with K = 4096, N = 4096 and N
// = 4144 (a column tail), and the fused epilogues. Where a GPU is present,
// every output of two calls in a row is compared bit for bit with the NumPy
// reference (the second call checks the per-call workspace). Without a GPU
// the lit run checks that the executables build and that every GEMM went to
// the split-K kernel.

// KERNEL-COUNT-7: grid = [{{32|33}}, 8, 1], block = [128, 1, 1], shared_bytes = 0

// CHECK-COUNT-14: PASS
// CHECK-NOT: FAIL
// CHECK: ALL PASS

// Without a GPU (QUANTC_DRY_RUN=1): the inputs and every NumPy reference.
// DRY-COUNT-14: DRY {{.*}}: reference
// DRY: DRY: 14 references computed
