// RUN: quantc-opt %s --quantc-x86-outline-omp -split-input-file -verify-diagnostics | FileCheck %s

// A float kernel (--quantc-lower-float-contractions-to-x86) marked
// quantc.x86_parallel is split like a parallel int8 plan: its call becomes
// GOMP_parallel over a worker calling it on this thread's share of the
// panel range, and the marker is removed (the LLVM IR translation does not
// know quantc).
// CHECK-LABEL: llvm.func internal @sgemm(
// CHECK-NOT: quantc.x86_parallel
// CHECK-LABEL: llvm.func @caller
// CHECK-NOT: llvm.call @sgemm(
// CHECK: %[[W:.+]] = llvm.mlir.addressof @sgemm_worker : !llvm.ptr
// CHECK: llvm.call @GOMP_parallel(%[[W]], %{{.+}}, %[[Z:.+]], %[[Z]])
// CHECK-LABEL: llvm.func internal @sgemm_worker
// CHECK: llvm.call @omp_get_thread_num()
// CHECK: llvm.call @sgemm(%{{.+}}, %{{.+}}, %{{.+}})
llvm.func internal @sgemm(%a: !llvm.ptr, %b: i64, %e: i64) attributes {quantc.x86_parallel} {
  llvm.return
}
llvm.func @caller(%p: !llvm.ptr) {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(7 : i64) : i64
  llvm.call @sgemm(%p, %0, %1) : (!llvm.ptr, i64, i64) -> ()
  llvm.return
}

// -----

// A float kernel without the marker stays a plain call.
// CHECK-LABEL: llvm.func @serial_caller
// CHECK: llvm.call @serial(
// CHECK-NOT: GOMP_parallel
llvm.func internal @serial(%a: !llvm.ptr, %b: i64, %e: i64) {
  llvm.return
}
llvm.func @serial_caller(%p: !llvm.ptr) {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(7 : i64) : i64
  llvm.call @serial(%p, %0, %1) : (!llvm.ptr, i64, i64) -> ()
  llvm.return
}
