// RUN: not quantc-opt %s --quantc-smoothquant="legalize-activations=per-channel" 2>&1 | FileCheck %s

// CHECK: for the --legalize-activations option: Cannot find option named 'per-channel'!
func.func @f() {
  return
}
