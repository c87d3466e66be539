// RUN: quantc-opt %s --quantc-smoothquant="alpha=1.5" -verify-diagnostics

// expected-error @+1 {{--quantc-smoothquant: alpha must be in [0, 1], got 1.5}}
func.func @f() {
  return
}
