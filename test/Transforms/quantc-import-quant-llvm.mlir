// Regression: functions whose type is not a FunctionType (llvm.func) crashed
// the import's legality check; running the CPU pipeline twice hit it.
// RUN: quantc-opt %s --quantc-import-quant | FileCheck %s
// RUN: quantc-opt %S/../../examples/mlp.mlir --quantc-cpu-pipeline --quantc-cpu-pipeline | FileCheck %s --check-prefix=TWICE

// CHECK-LABEL: llvm.func @add
// CHECK: llvm.add
llvm.func @add(%a: i32, %b: i32) -> i32 {
  %c = llvm.add %a, %b : i32
  llvm.return %c : i32
}

// TWICE: llvm.func @mlp_int8
