// RUN: quantc-opt %s --quantc-report-cost="target=tpu" -verify-diagnostics -o /dev/null
// RUN: not quantc-opt %s --quantc-report-cost="format=xml" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: format must be text or json, got 'xml'

// expected-error @+1 {{unknown target 'tpu' for --quantc-report-cost; use h100 or host-cpu, or give peak-int8, peak-fp16, bandwidth}}
func.func @f() {
  return
}
