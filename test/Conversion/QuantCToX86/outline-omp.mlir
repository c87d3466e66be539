// RUN: quantc-opt %s --quantc-x86-outline-omp -split-input-file -verify-diagnostics | FileCheck %s

// The call of a kernel whose plan says parallel = true becomes GOMP_parallel
// over a worker that loads the operands from
// the context and calls the kernel on this thread's share of [begin, end).
// CHECK-LABEL: llvm.func @caller
// CHECK-SAME: (%[[P:.+]]: !llvm.ptr)
// CHECK: %[[CTX:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(ptr, i64, i64)> {alignment = 64 : i64}
// CHECK-NOT: llvm.call @kernel(
// CHECK: %[[F0:.+]] = llvm.getelementptr %[[CTX]][0, 0]
// CHECK: llvm.store %[[P]], %[[F0]] : !llvm.ptr, !llvm.ptr
// CHECK: %[[F1:.+]] = llvm.getelementptr %[[CTX]][0, 1]
// CHECK: llvm.store %{{.+}}, %[[F1]] : i64, !llvm.ptr
// CHECK: %[[F2:.+]] = llvm.getelementptr %[[CTX]][0, 2]
// CHECK: llvm.store %{{.+}}, %[[F2]] : i64, !llvm.ptr
// CHECK: %[[W:.+]] = llvm.mlir.addressof @kernel_worker : !llvm.ptr
// CHECK: llvm.call @GOMP_parallel(%[[W]], %[[CTX]], %[[Z:.+]], %[[Z]])
// CHECK-DAG: llvm.func @GOMP_parallel(!llvm.ptr, !llvm.ptr, i32, i32)
// CHECK-DAG: llvm.func @omp_get_thread_num() -> i32
// CHECK-DAG: llvm.func @omp_get_num_threads() -> i32
// CHECK-LABEL: llvm.func internal @kernel_worker
// CHECK: %[[A0:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[B:.+]] = llvm.load %{{.+}} : !llvm.ptr -> i64
// CHECK: %[[E:.+]] = llvm.load %{{.+}} : !llvm.ptr -> i64
// CHECK: %[[TID:.+]] = llvm.call @omp_get_thread_num()
// CHECK: %[[NT:.+]] = llvm.call @omp_get_num_threads()
// CHECK: %[[LO:.+]] = llvm.add %[[B]], %{{.+}} : i64
// CHECK: %[[HI:.+]] = llvm.select %{{.+}}, %{{.+}}, %[[E]] : i1, i64
// CHECK: llvm.call @kernel(%[[A0]], %[[LO]], %[[HI]])
// CHECK-NOT: quantc.x86_plan
llvm.func internal @kernel(%a: !llvm.ptr, %b: i64, %e: i64) attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 12, n = 128, k = 64, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = true, emulate = false>} {
  llvm.return
}
llvm.func @caller(%p: !llvm.ptr) {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(7 : i64) : i64
  llvm.call @kernel(%p, %0, %1) : (!llvm.ptr, i64, i64) -> ()
  llvm.return
}

// -----

// A serial plan: the call stays, the plan is removed.
// CHECK-LABEL: llvm.func internal @serial
// CHECK-NOT: quantc.x86_plan
// CHECK-LABEL: llvm.func @serial_caller
// CHECK: llvm.call @serial(
// CHECK-NOT: GOMP_parallel
llvm.func internal @serial(%a: !llvm.ptr, %b: i64, %e: i64) attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 12, n = 128, k = 64, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = false, emulate = false>} {
  llvm.return
}
llvm.func @serial_caller(%p: !llvm.ptr) {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(7 : i64) : i64
  llvm.call @serial(%p, %0, %1) : (!llvm.ptr, i64, i64) -> ()
  llvm.return
}

// -----

// expected-error @+1 {{has a parallel plan but does not end with an i64 panel range}}
llvm.func internal @bad(%a: !llvm.ptr) attributes {quantc.x86_plan = #quantc.x86_gemm_plan<isa = avx512_vnni, m = 12, n = 128, k = 64, mr = 6, nr = 4, kunroll = 4, panel_block = 1, parallel = true, emulate = false>} {
  llvm.return
}

// -----

// expected-error @+1 {{has a quantc.x86_plan that is not a #quantc.x86_gemm_plan: "parallel"}}
llvm.func internal @not_a_plan(%a: !llvm.ptr, %b: i64, %e: i64) attributes {quantc.x86_plan = "parallel"} {
  llvm.return
}
