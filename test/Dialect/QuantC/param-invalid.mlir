// RUN: quantc-opt %s -split-input-file -verify-diagnostics

func.func @negative_index() -> tensor<4xf32> {
  // expected-error @+1 {{'quantc.param' op index must be >= 0, got -1}}
  %p = quantc.param "w" index -1 : tensor<4xf32>
  return %p : tensor<4xf32>
}

// -----

func.func @dynamic() -> tensor<?xf32> {
  // expected-error @+1 {{'quantc.param' op result #0 must be statically shaped tensor of any type values, but got 'tensor<?xf32>'}}
  %p = quantc.param "w" index 0 : tensor<?xf32>
  return %p : tensor<?xf32>
}
