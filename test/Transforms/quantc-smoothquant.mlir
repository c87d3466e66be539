// RUN: quantc-opt %s --quantc-smoothquant -split-input-file | FileCheck %s
// RUN: quantc-opt %s --quantc-smoothquant="alpha=0.8" -split-input-file | FileCheck %s --check-prefix=A08
// RUN: quantc-opt %s --quantc-smoothquant="legalize-activations=per-token" -split-input-file | FileCheck %s --check-prefix=TOKEN

// Statistics absmax = [4, 1]; the two consumers share one s from the max over
// both weights (plain Wq [C, D]: rows; transposed Wk [D, C]: columns):
// wmax = [max(1, 1), max(4, 1)] = [1, 4], so with alpha = 0.5
// s = [sqrt(4 / 1), sqrt(1 / 4)] = [2, 0.5]. The fused LayerNorm affine tail
// (x * gamma + beta) gets gamma / s and beta / s; the statistics become
// absmax / s = [2, 2]; Wq's rows and Wk's columns are multiplied by s.

// CHECK-LABEL: func.func @layernorm_shared
// CHECK-DAG: %[[G:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<2.000000e+00> : tensor<2xf32>
// CHECK: %[[N:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[G]], %[[B]] :
// CHECK: %[[O:.+]] = quantc.observe %[[N]] {absmax = dense<2.000000e+00> : tensor<2xf32>}
// CHECK-NOT: quantc.observe
// CHECK: %[[WQ:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 1.000000e+00], [-2.000000e+00, 1.000000e+00]]>
// CHECK: linalg.matmul ins(%[[O]], %[[WQ]] :
// CHECK: %[[WK:.+]] = arith.constant dense<{{\[}}[1.000000e+00, -5.000000e-01], [2.000000e+00, 1.250000e-01]]>
// CHECK: linalg.matmul indexing_maps = {{.+}} ins(%[[O]], %[[WK]] :

// With alpha = 0.8, absmax / s = absmax^0.2 * wmax^0.2 = 4^0.2 for both.
// A08-LABEL: func.func @layernorm_shared
// A08: quantc.observe %{{.+}} {absmax = dense<1.3195{{[0-9]+}}> : tensor<2xf32>}
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @layernorm_shared(%xhat: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xhat, %gamma, %beta : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %o = quantc.observe %n {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %wq = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %wk = arith.constant dense<[[0.5, -1.0], [1.0, 0.25]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %q = linalg.matmul ins(%o, %wq : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %k = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %wk : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %q, %k : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// RMSNorm-style gamma multiply (a separate generic) followed by a separate
// beta add: both folded, the multiply through the add. The residual user of
// the normalised value keeps the unsmoothed original.

// CHECK-LABEL: func.func @gamma_then_beta
// CHECK-DAG: %[[G0:.+]] = arith.constant dense<[2.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[B0:.+]] = arith.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[M0:.+]] = linalg.generic {{.+}} ins(%[[X:[^,]+]], %[[G0]] :
// CHECK: %[[N0:.+]] = linalg.generic {{.+}} ins(%[[M0]], %[[B0]] :
// CHECK: %[[G:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[M:.+]] = linalg.generic {{.+}} ins(%[[X]], %[[G]] :
// CHECK: %[[B:.+]] = arith.constant dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>
// CHECK: %[[N:.+]] = linalg.generic {{.+}} ins(%[[M]], %[[B]] :
// CHECK: %[[O:.+]] = quantc.observe %[[N]]
// CHECK: linalg.matmul ins(%[[O]], %{{.+}} :
// CHECK: return %{{.+}}, %[[N0]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @gamma_then_beta(%xhat: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %gamma = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %m = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xhat, %gamma : tensor<3x2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %r = arith.mulf %g, %a : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %beta : tensor<3x2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %o = quantc.observe %n {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%o, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y, %n : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// A preceding linear: its output channels (the columns of its plain-layout
// weight) are divided by s = [2, 0.5].

// CHECK-LABEL: func.func @preceding_linear
// CHECK: %[[W1:.+]] = arith.constant dense<{{\[}}[5.000000e-01, 2.000000e+00], [1.500000e+00, -4.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[H:.+]] = linalg.matmul ins(%{{.+}}, %[[W1]] :
// CHECK: %[[O:.+]] = quantc.observe %[[H]] {absmax = dense<2.000000e+00> : tensor<2xf32>}
// CHECK-NOT: quantc.smooth
// CHECK: linalg.matmul ins(%[[O]], %{{.+}} :
func.func @preceding_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w1 = arith.constant dense<[[1.0, 1.0], [3.0, -2.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %o = quantc.observe %h {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %y = linalg.matmul ins(%o, %w2 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// No foldable producer (a function argument): an explicit quantc.smooth in
// front of the updated statistics. batch_matmul with W [B, C, D].

// CHECK-LABEL: func.func @explicit_smooth
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3x2xf32>
// CHECK: %[[S:.+]] = arith.constant dense<{{\[}}{{\[}}[2.000000e+00, 5.000000e-01]]]> : tensor<1x1x2xf32>
// CHECK: %[[SM:.+]] = quantc.smooth %[[X]], %[[S]] : tensor<2x3x2xf32>, tensor<1x1x2xf32> -> tensor<2x3x2xf32>
// CHECK: %[[O:.+]] = quantc.observe %[[SM]] {absmax = dense<2.000000e+00> : tensor<2xf32>}
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}{{\[}}[2.000000e+00], [-2.000000e+00]], {{\[}}[1.000000e+00], [1.000000e+00]]]> : tensor<2x2x1xf32>
// CHECK: linalg.batch_matmul ins(%[[O]], %[[W]] :
func.func @explicit_smooth(%x: tensor<2x3x2xf32>, %z: tensor<2x3x1xf32>) -> tensor<2x3x1xf32> {
  %o = quantc.observe %x {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<2x3x2xf32>
  %w = arith.constant dense<[[[1.0], [-4.0]], [[0.5], [2.0]]]> : tensor<2x2x1xf32>
  %y = linalg.batch_matmul ins(%o, %w : tensor<2x3x2xf32>, tensor<2x2x1xf32>) outs(%z : tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  return %y : tensor<2x3x1xf32>
}

// -----

// Legalisation: a per-channel activation scale t = [4, 1] / 127 (absmax
// [4, 1]) cannot be factored out of an integer GEMM. It becomes smoothing
// (s = [2, 0.5]) plus a per-tensor static scale max(absmax / s) / 127 = 2/127
// (or a per-token dynamic one); the float weight is scaled by s.

// CHECK-LABEL: func.func @legalize_per_channel_qdq
// CHECK-SAME: (%[[X:[^:]+]]: tensor<3x2xf32>
// CHECK: %[[S:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 5.000000e-01]]> : tensor<1x2xf32>
// CHECK: %[[SM:.+]] = quantc.smooth %[[X]], %[[S]]
// CHECK: %[[T:.+]] = arith.constant dense<0.0157480314> : tensor<1x1xf32>
// CHECK: %[[Q:.+]] = quantc.quantize %[[SM]], %[[T]] : tensor<3x2xf32>, tensor<1x1xf32> -> tensor<3x2xi8>
// CHECK: %[[D:.+]] = quantc.dequantize %[[Q]], %[[T]] : tensor<3x2xi8>, tensor<1x1xf32>
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 1.000000e+00], [-2.000000e+00, 1.000000e+00]]>
// CHECK: linalg.matmul ins(%[[D]], %[[W]] :
// CHECK-NOT: tensor<1x2xf32> -> tensor<3x2xf32>

// TOKEN-LABEL: func.func @legalize_per_channel_qdq
// TOKEN: %[[SM:.+]] = quantc.smooth
// TOKEN: %[[T:.+]] = quantc.compute_scale %[[SM]] {dims = array<i64: 1>} : tensor<3x2xf32> -> tensor<3x1xf32>
// TOKEN: quantc.quantize %[[SM]], %[[T]]
func.func @legalize_per_channel_qdq(%x: tensor<3x2xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = arith.constant dense<[[0.0314960629, 0.00787401571]]> : tensor<1x2xf32>
  %q = quantc.quantize %x, %t : tensor<3x2xf32>, tensor<1x2xf32> -> tensor<3x2xi8>
  %d = quantc.dequantize %q, %t : tensor<3x2xi8>, tensor<1x2xf32> -> tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%d, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Legalisation with an already-quantized per-output-channel weight
// (transposed layout [D, C]): dequantized, scaled by s along C, re-quantized
// per output channel.

// CHECK-LABEL: func.func @legalize_quantized_weight
// CHECK: %[[WQ:.+]] = arith.constant dense<{{\[}}[127, -127], [127, 127]]> : tensor<2x2xi8>
// CHECK: %[[WS:.+]] = arith.constant dense<{{\[}}[0.0157480314], [0.00787401571]]> : tensor<2x1xf32>
// CHECK: %[[WD:.+]] = quantc.dequantize %[[WQ]], %[[WS]] : tensor<2x2xi8>, tensor<2x1xf32>
// CHECK: linalg.matmul indexing_maps = {{.+}} ins(%{{.+}}, %[[WD]] :
func.func @legalize_quantized_weight(%x: tensor<3x2xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = arith.constant dense<[[0.0314960629, 0.00787401571]]> : tensor<1x2xf32>
  %q = quantc.quantize %x, %t : tensor<3x2xf32>, tensor<1x2xf32> -> tensor<3x2xi8>
  %d = quantc.dequantize %q, %t : tensor<3x2xi8>, tensor<1x2xf32> -> tensor<3x2xf32>
  // W = [[1, -4], [0.5, 2]] (rows are output channels), so s = [2, 0.5] and
  // W·diag(s) = [[2, -2], [1, 1]]: scales [2, 1] / 127.
  %wq = arith.constant dense<[[2, -8], [2, 8]]> : tensor<2x2xi8>
  %ws = arith.constant dense<[[0.5], [0.25]]> : tensor<2x1xf32>
  %wd = quantc.dequantize %wq, %ws : tensor<2x2xi8>, tensor<2x1xf32> -> tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%d, %wd : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A preceding linear with a bias add (pattern 3 folding through to pattern
// 4): the bias and the linear's output channels are both divided by s. A
// non-matmul user of the observed value keeps the unsmoothed value.

// CHECK-LABEL: func.func @linear_bias
// CHECK: %[[OLD:.+]] = quantc.observe %{{.+}} {absmax = dense<[4.000000e+00, 1.000000e+00]>
// CHECK: %[[W1:.+]] = arith.constant dense<{{\[}}[5.000000e-01, 2.000000e+00], [1.500000e+00, -4.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[H:.+]] = linalg.matmul ins(%{{.+}}, %[[W1]] :
// CHECK: %[[B:.+]] = arith.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[HB:.+]] = linalg.generic {{.+}} ins(%[[H]], %[[B]] :
// CHECK: %[[O:.+]] = quantc.observe %[[HB]] {absmax = dense<2.000000e+00> : tensor<2xf32>}
// CHECK: linalg.matmul ins(%[[O]], %{{.+}} :
// CHECK: return %{{.+}}, %[[OLD]] :
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @linear_bias(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w1 = arith.constant dense<[[1.0, 1.0], [3.0, -2.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %w2 = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %hb = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %b : tensor<3x2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %o = quantc.observe %hb {absmax = dense<[4.0, 1.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %y = linalg.matmul ins(%o, %w2 : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y, %o : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// Legalisation of a dequantize whose input is not a quantize of a float
// value (an i8 argument): the dequantized value itself is smoothed and
// re-quantized per tensor.

// CHECK-LABEL: func.func @legalize_int_input
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<3x2xi8>
// CHECK: %[[D:.+]] = quantc.dequantize %[[Q]], %{{.+}} : tensor<3x2xi8>, tensor<1x2xf32>
// CHECK: %[[SM:.+]] = quantc.smooth %[[D]], %{{.+}}
// CHECK: quantc.quantize %[[SM]], %{{.+}} : tensor<3x2xf32>, tensor<1x1xf32>
func.func @legalize_int_input(%q: tensor<3x2xi8>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = arith.constant dense<[[0.0314960629, 0.00787401571]]> : tensor<1x2xf32>
  %d = quantc.dequantize %q, %t : tensor<3x2xi8>, tensor<1x2xf32> -> tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 0.5], [-4.0, 2.0]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%d, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A channel the calibration never saw nonzero (absmax 0: a dead ReLU input,
// padding) keeps factor 1, nothing migrated; floored at 1e-5, a value it
// takes at run time was multiplied by 1e5 and took over the token's scale.
// absmax = [0, 4], wmax = [2, 1]: s = [1, sqrt(4 / 1)] = [1, 2]; gamma and
// beta / s, the weight's columns * s.
// CHECK-LABEL: func.func @dead_channel
// CHECK-DAG: arith.constant dense<[3.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK: quantc.observe %{{.+}} {absmax = dense<[0.000000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK: arith.constant dense<{{\[}}[2.000000e+00, 2.000000e+00], [-1.000000e+00, 0.000000e+00]]>
#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>
func.func @dead_channel(%xhat: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %gamma = arith.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %n = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xhat, %gamma, %beta : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  } -> tensor<3x2xf32>
  %o = quantc.observe %n {absmax = dense<[0.0, 4.0]> : tensor<2xf32>} : tensor<3x2xf32>
  %w = arith.constant dense<[[2.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %q = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%o, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %q : tensor<3x2xf32>
}
