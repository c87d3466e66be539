// RUN: quantc-opt %s --quantc-outlier-split="threshold=-1.0" -verify-diagnostics

// expected-error @+1 {{--quantc-outlier-split: threshold must be non-negative, got -1}}
func.func @f() {
  return
}
