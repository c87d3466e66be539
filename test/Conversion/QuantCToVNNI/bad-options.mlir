// RUN: quantc-opt %s --quantc-lower-matmul-to-vnni="mr=8 nr=4" -verify-diagnostics

// 8 x 4 accumulators + 4 weight registers + 1 broadcast do not fit in 32 zmm.
// expected-error @+1 {{must fit in 32 zmm registers}}
module {
}
