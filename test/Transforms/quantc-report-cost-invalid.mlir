// RUN: not quantc-opt %s --quantc-report-cost="target=tpu" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not quantc-opt %s --quantc-report-cost="format=xml" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: quantc-opt %s --quantc-report-cost="peak-int8=-1" -verify-diagnostics -o /dev/null
// RUN: quantc-opt %s --quantc-report-cost="bandwidth=inf format=json" -verify-diagnostics -o /dev/null
// TARGET: for the --target option: Cannot find option named 'tpu'!
// FORMAT: for the --format option: Cannot find option named 'xml'!

// expected-error @+1 {{peak-int8, peak-fp16 and bandwidth must be finite and positive (0: the target's)}}
func.func @f() {
  return
}
