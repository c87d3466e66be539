// REQUIRES: ptxas, quantc-cuda-runtime
// RUN: %quantc-aot %S/Inputs/batched.mlir %S/Inputs/batched_driver.cpp -o %t.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_batched_checks.py %t.exe %quantc_src_root/python/quantc %t.dir | FileCheck %s %}
// RUN: %quantc-aot --chip sm_90a %S/Inputs/batched.mlir %S/Inputs/batched_driver.cpp -o %t.wgmma.exe
// RUN: %if cuda-gpu %{ %python %S/Inputs/run_batched_checks.py %t.wgmma.exe %quantc_src_root/python/quantc %t.wgmma.dir | FileCheck %s %}
// RUN: env QUANTC_DRY_RUN=1 %python %S/Inputs/run_batched_checks.py %t.exe %quantc_src_root/python/quantc %t.dry | FileCheck %s --check-prefix=DRY

// Batched GEMMs (attention), ahead of time: Inputs/batched.mlir holds Q.K^T
// (NT) and P.V (NN) with both operands run-time, 33 batches with a dynamic M
// (called for M = 0, 1, 7, 33, 130), one batch with an odd M, and fused
// epilogues (a per-token scale per batch, per-batch column scales, ReLU, f16).
// Where a GPU is present every output is compared with the NumPy reference
// bit for bit, for the sm_90 mma.sync kernels and the sm_90a wgmma kernels.
// Without a GPU, the lit run checks that the executables build.

// CHECK-COUNT-12: PASS
// CHECK-NOT: FAIL
// CHECK: ALL PASS

// Without a GPU (QUANTC_DRY_RUN=1): the inputs and every NumPy reference.
// DRY-COUNT-12: DRY {{.*}}: reference
// DRY: DRY: 12 references computed
