// RUN: quantc-opt %s --quantc-lower-matmul-to-x86="mr=8 nr=4" -split-input-file -verify-diagnostics
// The same checks for the other options, whose errors differ from the
// annotation below: exit code 1 and the message.
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx2 mr=4 nr=3" 2>&1 | FileCheck %s --check-prefix=AVX2
// isa is an enum option: an unknown value is an option error.
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="isa=sse2" 2>&1 | FileCheck %s --check-prefix=ISA
// 2^32 columns used to be narrowed to 0 (and divide by zero): the values are
// bounded before any arithmetic.
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="nr=4294967296" 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not quantc-opt %s --quantc-cpu-pipeline="cpu=avx2 vnni-nr=4294967295" 2>&1 | FileCheck %s --check-prefix=HUGE2
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="mr=-1" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="panel-block-kib=-1" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="kunroll=65" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="mr=65" 2>&1 | FileCheck %s --check-prefix=MR
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="isa=avx2 emulate=1" 2>&1 | FileCheck %s --check-prefix=EMU
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="small-m=65" 2>&1 | FileCheck %s --check-prefix=SMALLM
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="small-m=-1" 2>&1 | FileCheck %s --check-prefix=SMALLM1
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="dynamic-m-chunk=3" 2>&1 | FileCheck %s --check-prefix=CHUNK
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="dynamic-m-chunk=8192" 2>&1 | FileCheck %s --check-prefix=CHUNK2
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="dynamic-m-chunk=-4" 2>&1 | FileCheck %s --check-prefix=CHUNK3
// RUN: not quantc-opt %s --quantc-lower-matmul-to-x86="parallel-min-macs=-7" 2>&1 | FileCheck %s --check-prefix=MACS

// 8 x 4 accumulators + 4 weight registers + 1 broadcast do not fit in 32 zmm.
// expected-error @+1 {{must fit in 32 zmm registers}}
module {
}

// 12 accumulators + 3 weight registers + broadcast + product: 17 ymm.
// AVX2: error: quantc-lower-matmul-to-x86: mr x nr accumulators + nr weight registers + 2 must fit in 16 ymm registers (isa avx2: mr = 4, nr = 3)
// ISA: for the --isa option: Cannot find option named 'sse2'!
// HUGE: error: quantc-lower-matmul-to-x86: mr x nr accumulators + nr weight registers + 1 must fit in 32 zmm registers (isa avx512_vnni: mr = 6, nr = 4294967296)
// HUGE2: error: quantc-lower-matmul-to-x86: mr x nr accumulators + nr weight registers + 2 must fit in 16 ymm registers (isa avx2: mr = 6, nr = 4294967295)
// NEG: error: quantc-lower-matmul-to-x86: mr, nr, kunroll and panel-block-kib must be >= 0 (0: the default), kunroll <= 64 and panel-block-kib <= 2^30
// MR: error: quantc-lower-matmul-to-x86: mr must be in [1, 64], got 65
// CHUNK: error: quantc-lower-matmul-to-x86: dynamic-m-chunk must be a power of two in [1, 4096] (0: the default), got 3
// CHUNK2: error: quantc-lower-matmul-to-x86: dynamic-m-chunk must be a power of two in [1, 4096] (0: the default), got 8192
// CHUNK3: error: quantc-lower-matmul-to-x86: dynamic-m-chunk must be a power of two in [1, 4096] (0: the default), got -4
// MACS: error: quantc-lower-matmul-to-x86: parallel-min-macs must be a number of multiply-adds >= 0 or -1 (never parallel), got -7
// EMU: error: quantc-lower-matmul-to-x86: emulate applies to isa=avx512-vnni and amx only
// SMALLM: error: quantc-lower-matmul-to-x86: small-m must be in [0, 64] (0: never), got 65
// SMALLM1: error: quantc-lower-matmul-to-x86: small-m must be in [0, 64] (0: never), got -1
