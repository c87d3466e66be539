// RUN: not quantc-opt %s --quantc-quantize="activations=per-channel" 2>&1 | FileCheck %s

// Per-channel activation scales are exactly what an integer GEMM cannot
// factor out: not an option (an enum option: the value is an option error).
// CHECK: for the --activations option: Cannot find option named 'per-channel'!
func.func @f() {
  return
}
