// Inputs the pipelines cannot compile get one error saying why (their first
// pass), not a verifier failure of IR they generated: functions in a nested
// module (kernels and packed weights go into the outermost module), and a
// quantc.param that nothing binds (only --quantc-cpu-pipeline=weights=load
// binds parameters at load time), and functions with reserved names.
// RUN: quantc-opt %s --quantc-cpu-pipeline -split-input-file -verify-diagnostics
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=generic -split-input-file -verify-diagnostics
// RUN: not quantc-opt %s --quantc-gpu-pipeline -split-input-file 2>&1 | FileCheck %s --check-prefix=GPU

module {
  // expected-error @+1 {{--quantc-cpu-pipeline compiles the functions of the outermost module only: this nested module holds functions (run the pipeline on it as a module of its own)}}
  module @inner {
    func.func @f(%x: tensor<8x64xi8>) -> tensor<8x32xi32> {
      %w = arith.constant dense<3> : tensor<32x64xi8>
      %a = quantc.matmul %x, %w : tensor<8x64xi8>, tensor<32x64xi8> -> tensor<8x32xi32>
      return %a : tensor<8x32xi32>
    }
  }
}
// GPU: --quantc-gpu-pipeline compiles the functions of the outermost module only: this nested module holds functions

// -----

// A nested module without functions (a container of data) is left alone.
module {
  module @data attributes {quantc.note = "no functions"} {
  }
  func.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}


// -----

module attributes {quantc.params = [{name = "w", type = tensor<32x64xi8>}]} {
  func.func @p(%x: tensor<8x64xi8>) -> tensor<8x32xi32> {
    // expected-error @+1 {{quantc.param is bound at load time, which --quantc-cpu-pipeline does with its option weights=load; without it, write the weight as a constant}}
    %w = quantc.param "w" index 0 : tensor<32x64xi8>
    %a = quantc.matmul %x, %w : tensor<8x64xi8>, tensor<32x64xi8> -> tensor<8x32xi32>
    return %a : tensor<8x32xi32>
  }
}
// GPU: quantc.param is bound at load time, which --quantc-gpu-pipeline does not do (the CPU pipeline does, with weights=load); without it, write the weight as a constant

// -----

// A function named like a C runtime function the lowered code calls would
// take those calls (@malloc made the JIT fail on a "malloc_0"; @memcpy or
// @free would have run instead of the C library's); the compiler's and the
// runtimes' own prefixes (_mlir_ wrappers, GOMP_) likewise.
// Declarations stay allowed (test/Robustness/gomp-declaration.mlir).
// expected-error @+1 {{@malloc cannot be compiled under this name: the compiled code calls the C runtime's malloc by this name, and a definition would take those calls; rename the function}}
func.func @malloc(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// expected-error @+1 {{@_mlir_main cannot be compiled under this name: names starting with '_mlir_' are the compiler's and its runtimes' own symbols; rename the function}}
func.func @_mlir_main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// expected-error @+1 {{@GOMP_barrier cannot be compiled under this name: names starting with 'GOMP_'}}
func.func private @GOMP_barrier(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func private @expf(f32) -> f32
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// GPU: @malloc cannot be compiled under this name
