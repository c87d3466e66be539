// RUN: quantc-opt %s --quantc-smoothquant="legalize-activations=per-channel" -verify-diagnostics

// expected-error @+1 {{--quantc-smoothquant: unknown legalize-activations='per-channel'; expected per-tensor or per-token}}
func.func @f() {
  return
}
