// RUN: quantc-opt %s --quantc-emit-prepare -split-input-file -verify-diagnostics

// Parameters but no lowered prepare body: --quantc-lower-params did not run.
// expected-error @+1 {{the module has quantc.params but no lowered @__quantc_prepare_body (run --quantc-lower-params before func-to-llvm)}}
module attributes {quantc.params = [{name = "w", type = tensor<4xf32>}]} {
}

// -----

// A lowered body whose arguments are not the parameters' descriptors.
module attributes {quantc.params = [{name = "w", type = tensor<4xf32>}]} {
  // expected-error @+1 {{the lowered prepare body takes 1 arguments; its parameters' descriptors are 5}}
  llvm.func @__quantc_prepare_body(%a: !llvm.ptr) {
    llvm.return
  }
}
