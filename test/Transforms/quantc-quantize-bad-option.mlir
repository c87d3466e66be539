// RUN: quantc-opt %s --quantc-quantize="weights=per-row" -verify-diagnostics

// expected-error @+1 {{--quantc-quantize: unknown weights='per-row'; expected per-channel or per-tensor}}
func.func @f() {
  return
}
