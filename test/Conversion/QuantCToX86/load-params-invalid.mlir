// RUN: quantc-opt %s --quantc-lower-params -split-input-file -verify-diagnostics

// A parameter the module's quantc.params does not list (index out of range).
module attributes {quantc.params = [{name = "w", type = tensor<4xf32>}]} {
  func.func @f() -> tensor<4xf32> {
    // expected-error @+1 {{parameter index 1 has no entry of type 'tensor<4xf32>' in quantc.params}}
    %p = quantc.param "v" index 1 : tensor<4xf32>
    return %p : tensor<4xf32>
  }
}

// -----

// A quantc.params entry that is not {name, type = static tensor}.
// expected-error @+1 {{quantc.params must hold {name, type = static tensor} dictionaries, got {name = "w"}}}
module attributes {quantc.params = [{name = "w"}]} {
}
