// RUN: quantc-opt %s --quantc-lower-matmul-to-vnni="mr=8 nr=4" -split-input-file -verify-diagnostics
// The same checks for the other options, whose errors differ from the
// annotation below: exit code 1 and the message.
// RUN: not quantc-opt %s --quantc-lower-matmul-to-vnni="isa=avx2 mr=4 nr=3" 2>&1 | FileCheck %s --check-prefix=AVX2
// RUN: not quantc-opt %s --quantc-lower-matmul-to-vnni="isa=sse2" 2>&1 | FileCheck %s --check-prefix=ISA

// 8 x 4 accumulators + 4 weight registers + 1 broadcast do not fit in 32 zmm.
// expected-error @+1 {{must fit in 32 zmm registers}}
module {
}

// 12 accumulators + 3 weight registers + broadcast + product: 17 ymm.
// AVX2: error: quantc-lower-matmul-to-vnni: mr x nr accumulators + nr weight registers + 2 must fit in 16 ymm registers (isa avx2: mr = 4, nr = 3)
// ISA: error: quantc-lower-matmul-to-vnni: unknown isa 'sse2' (expected avx512-vnni or avx2)
