// RUN: quantc-opt %s --quantc-quantize="activations=per-channel" -verify-diagnostics

// Per-channel activation scales are exactly what an integer GEMM cannot
// factor out: not an option.
// expected-error @+1 {{--quantc-quantize: unknown activations='per-channel'; expected per-token, per-tensor or none}}
func.func @f() {
  return
}
