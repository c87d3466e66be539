// RUN: not quantc-opt %s --quantc-quantize="weights=per-row" 2>&1 | FileCheck %s
// RUN: quantc-opt --help | FileCheck %s --check-prefix=HELP

// CHECK: for the --weights option: Cannot find option named 'per-row'!
// HELP: --quantc-quantize
// HELP: =per-channel
// HELP: =per-tensor
func.func @f() {
  return
}
