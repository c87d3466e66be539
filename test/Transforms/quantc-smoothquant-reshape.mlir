// RUN: quantc-opt %s --quantc-smoothquant -split-input-file -verify-diagnostics | FileCheck %s

// A 3-D activation [B, S, C] flattened to [B*S, C] before the linear (what
// the PyTorch frontend emits for nn.Linear on a 3-D input): the smoothing
// folds through the collapse_shape into the LayerNorm affine tail, as in
// quantc-smoothquant.mlir's @layernorm_shared (s = [2, 0.5], gamma / s =
// [1, 2], beta / s = [2, 2], W rows times s); no quantc.smooth remains.

// CHECK-LABEL: func.func @through_collapse
// CHECK-DAG: %[[G:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<2.000000e+00> : tensor<2xf32>
// CHECK: %[[N:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[G]], %[[B]] :
// CHECK: %[[C:.+]] = tensor.collapse_shape %[[N]] {{\[\[}}0, 1], [2]] : tensor<2x3x2xf32> into tensor<6x2xf32>
// CHECK: %[[O:.+]] = quantc.observe %[[C]] {absmax = dense<2.000000e+00> : tensor<2xf32>}
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 1.000000e+00], [-2.000000e+00, 1.000000e+00]]>
// CHECK: linalg.matmul ins(%[[O]], %[[W]] :
// CHECK-NOT: quantc.smooth
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
func.func @through_collapse(%xhat: tensor<2x3x2xf32>) -> tensor<6x2xf32> {
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<2x3x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%xhat, %gamma, %beta : tensor<2x3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<2x3x2xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x3x2xf32>
  %c = tensor.collapse_shape %n [[0, 1], [2]] : tensor<2x3x2xf32> into tensor<6x2xf32>
  %o = quantc.observe %c {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<6x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<6x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e2 : tensor<6x2xf32>) -> tensor<6x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<6x2xf32>, tensor<2x2xf32>) outs(%z : tensor<6x2xf32>) -> tensor<6x2xf32>
  return %y : tensor<6x2xf32>
}

// -----

// RMSNorm's gamma multiply on [B, S, C] reached through a tensor.reshape
// and an expand_shape that keep C last; the dynamic token count does not
// matter. s = [2, 0.5]: gamma [2, 1] / s = [1, 2].

// CHECK-LABEL: func.func @through_reshape_and_expand
// CHECK-DAG: %[[G:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[N:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[G]] :
// CHECK: %[[R:.+]] = tensor.reshape %[[N]](%{{.+}}) : (tensor<?x2xf32>, tensor<2xi64>) -> tensor<?x2xf32>
// CHECK: %[[X:.+]] = tensor.expand_shape %[[R]] {{\[\[}}0, 1], [2]]
// CHECK: %[[C:.+]] = tensor.collapse_shape %[[X]]
// CHECK: quantc.observe %[[C]] {absmax = dense<2.000000e+00> : tensor<2xf32>}
// CHECK-NOT: quantc.smooth
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#ch2 = affine_map<(d0, d1) -> (d1)>
func.func @through_reshape_and_expand(%xhat: tensor<?x2xf32>, %shape: tensor<2xi64>, %b: index, %s: index) -> tensor<?x2xf32> {
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %xhat, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%rows) : tensor<?x2xf32>
  %n = linalg.generic {indexing_maps = [#id2, #ch2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%xhat, %gamma : tensor<?x2xf32>, tensor<2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    linalg.yield %m : f32
  } -> tensor<?x2xf32>
  %r = tensor.reshape %n(%shape) : (tensor<?x2xf32>, tensor<2xi64>) -> tensor<?x2xf32>
  %x = tensor.expand_shape %r [[0, 1], [2]] output_shape [%b, %s, 2] : tensor<?x2xf32> into tensor<?x?x2xf32>
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x2xf32> into tensor<?x2xf32>
  %o = quantc.observe %c {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<?x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %z0 = tensor.empty(%rows) : tensor<?x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%z0 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%z : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// A reshape that moves channels ([B, 2C] -> [2B, C]: the last group is not
// the channel alone) does not commute with the smoothing: an explicit
// quantc.smooth is kept.

// CHECK-LABEL: func.func @mixing_reshape
// CHECK: tensor.expand_shape
// CHECK: quantc.smooth
#id3 = affine_map<(d0, d1) -> (d0, d1)>
#ch3 = affine_map<(d0, d1) -> (d1)>
func.func @mixing_reshape(%xhat: tensor<3x4xf32>) -> tensor<6x2xf32> {
  %gamma = arith.constant dense<[2.0, 1.0, 3.0, 4.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<3x4xf32>
  %n = linalg.generic {indexing_maps = [#id3, #ch3, #id3], iterator_types = ["parallel", "parallel"]}
      ins(%xhat, %gamma : tensor<3x4xf32>, tensor<4xf32>) outs(%e : tensor<3x4xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    linalg.yield %m : f32
  } -> tensor<3x4xf32>
  %x = tensor.expand_shape %n [[0], [1, 2]] output_shape [3, 2, 2] : tensor<3x4xf32> into tensor<3x2x2xf32>
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<3x2x2xf32> into tensor<6x2xf32>
  %o = quantc.observe %c {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<6x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<6x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e2 : tensor<6x2xf32>) -> tensor<6x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<6x2xf32>, tensor<2x2xf32>) outs(%z : tensor<6x2xf32>) -> tensor<6x2xf32>
  return %y : tensor<6x2xf32>
}
