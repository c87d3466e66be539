// Under isa=amx a decode GEMM (1-3 static rows, run-time N/K/batch) is below
// amx-min-m: it takes the avx512-vnni decode kernel (an AMX CPU has AVX-512
// VNNI), with a remark, and not the reference lowering. At amx-min-m = 1 the
// tiles would be asked for and the decode kernel is not used: the GEMM's
// dynamic shape then goes to the amx kernel in static blocks, with its remark.
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx" -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx emulate=true" -verify-diagnostics | FileCheck %s --check-prefix=EMU
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="isa=amx amx-min-m=1" 2>&1 | FileCheck %s --check-prefix=MIN1

// CHECK-LABEL: func.func @qk
// CHECK: call @__quantc_x86_decode_gemm(
// CHECK: func.func private @__quantc_x86_decode_gemm(
// CHECK: quantc.x86.vpdpbusd
// CHECK-NOT: amx.
// EMU-LABEL: func.func @qk
// EMU: call @__quantc_x86_decode_gemm(
// EMU-NOT: quantc.x86.vpdpbusd
// EMU-NOT: amx.
// MIN1: remark: runs on the amx kernel in static blocks of 1 x 64 x 16 (M x N x K; its sizes are dynamic)
// MIN1-NOT: reference lowering
// MIN1-NOT: __quantc_x86_decode_gemm
func.func @qk(%q: tensor<4x1x16xi8>, %kc: tensor<4x?x16xi8>) -> tensor<4x1x?xi32> {
  // expected-remark @+1 {{runs on the avx512-vnni decode kernel, not the amx tiles: M = 1 is below amx-min-m = 32}}
  %r = quantc.matmul %q, %kc : tensor<4x1x16xi8>, tensor<4x?x16xi8> -> tensor<4x1x?xi32>
  return %r : tensor<4x1x?xi32>
}
