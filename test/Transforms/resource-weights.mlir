// Weights given as dense_resource blobs (the form the PyTorch frontend
// emits, never printed as text) are read by every weight-transforming pass,
// and the weights they derive stay blobs (ConstantWeights.h).
// RUN: quantc-opt %s --quantc-smoothquant -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SQ
// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=Q

// The SmoothQuant example of quantc-smoothquant.mlir with resource gamma,
// beta and weights: s = [2, 0.5]; gamma / s = [1, 2], beta / s = [2, 2];
// Wq's rows times s = [[2, 1], [-2, 1]]; Wk's columns times s =
// [[1, -0.5], [2, 0.125]]. --quantc-quantize (second RUN) quantizes the
// float weights per output channel: Wq = [[1, 0.5], [-4, 2]] per column
// scales [4, 2] / 127 -> [[32, 32], [-127, 127]] (0x20 0x20 0x81 0x7F);
// Wk [D, C] per row: scales [1, 1] / 127 -> [[64, -127], [127, 32]]
// (0x40 0x81 0x7F 0x20).

// SQ-LABEL: func.func @layernorm_shared
// SQ-DAG: arith.constant dense_resource<gamma_smooth> : tensor<2xf32>
// SQ-DAG: arith.constant dense_resource<beta_smooth> : tensor<2xf32>
// SQ-DAG: arith.constant dense_resource<wq_smooth> : tensor<2x2xf32>
// SQ-DAG: arith.constant dense_resource<wk_smooth> : tensor<2x2xf32>
// SQ-NOT: dense<
// SQ: dialect_resources
// SQ-DAG: gamma_smooth: "0x400000000000803F00000040"
// SQ-DAG: beta_smooth: "0x400000000000004000000040"
// SQ-DAG: wq_smooth: "0x40000000000000400000803F000000C00000803F"
// SQ-DAG: wk_smooth: "0x400000000000803F000000BF000000400000003E"

// Q-LABEL: func.func @layernorm_shared
// Q-DAG: arith.constant dense_resource<wq_q> : tensor<2x2xi8>
// Q-DAG: arith.constant dense_resource<wk_q> : tensor<2x2xi8>
// Q: dialect_resources
// Q-DAG: wq_q: "0x400000002020817F"
// Q-DAG: wk_q: "0x4000000040817F20"
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @layernorm_shared(%xhat: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %gamma = arith.constant dense_resource<gamma> : tensor<2xf32>
  %beta = arith.constant dense_resource<beta> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xhat, %gamma, %beta : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %o = quantc.observe %n {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %wq = arith.constant dense_resource<wq> : tensor<2x2xf32>
  %wk = arith.constant dense_resource<wk> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %q = linalg.matmul ins(%o, %wq : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %k = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %wk : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %q, %k : tensor<3x2xf32>, tensor<3x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      gamma: "0x04000000000000400000803F",
      beta: "0x04000000000080400000803F",
      wq: "0x040000000000803F0000003F000080C000000040",
      wk: "0x040000000000003F000080BF0000803F0000803E"
    }
  }
#-}

// -----

// A weight whose blob is missing (elided when printed, or never bound) is
// an error naming the resource, in both passes.
func.func @missing_blob(%x: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense_resource<elided_weight> : tensor<2x4xf32>
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  // expected-error @+1 {{dense_resource constant 'elided_weight' whose blob is missing (elided from the text, or never bound)}}
  %y = linalg.matmul ins(%o, %w : tensor<3x2xf32>, tensor<2x4xf32>) outs(%z : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
