// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni-emulated" -split-input-file -verify-diagnostics -o /dev/null

// Issue 15: a user's own @GOMP_parallel of another type was reused for the
// parallel kernels' calls ("'llvm.call' op incorrect number of operands").
// expected-error @+1 {{'@GOMP_parallel' is defined here as a function of type '!llvm.func<void (i64)>', but the parallel GEMM kernels call the OpenMP runtime's GOMP_parallel of type '!llvm.func<void (ptr, ptr, i32, i32)>'}}
func.func private @GOMP_parallel(i64)
func.func @f(%x: tensor<256x512xi8>) -> tensor<256x512xi32> {
  %w = arith.constant dense<1> : tensor<512x512xi8>
  %y = quantc.matmul %x, %w : tensor<256x512xi8>, tensor<512x512xi8> -> tensor<256x512xi32>
  return %y : tensor<256x512xi32>
}

// -----

// A declaration with the runtime's type is the runtime's: reused.
func.func private @GOMP_parallel(!llvm.ptr, !llvm.ptr, i32, i32)
func.func @f(%x: tensor<256x512xi8>) -> tensor<256x512xi32> {
  %w = arith.constant dense<1> : tensor<512x512xi8>
  %y = quantc.matmul %x, %w : tensor<256x512xi8>, tensor<512x512xi8> -> tensor<256x512xi32>
  return %y : tensor<256x512xi32>
}
