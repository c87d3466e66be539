// A target file that cannot be read is an error at each function, and an
// unknown preset an option error.
// RUN: quantc-opt %s --quantc-record-cost-target="target-file=/nonexistent/quantc-target.json" -verify-diagnostics -o /dev/null
// RUN: not quantc-opt %s --quantc-record-cost-target="target=zen9" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRESET
// RUN: not quantc-opt %s --quantc-report-cost="target=host" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRESET
// PRESET: for the --target option: Cannot find option named

// expected-error @+1 {{target file '/nonexistent/quantc-target.json': cannot read it}}
func.func @f(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  return %x : tensor<2x2xf32>
}
