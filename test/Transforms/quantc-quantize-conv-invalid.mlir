// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-quantize="activations=none" -split-input-file 2>&1 | FileCheck %s --check-prefix=NONE
// A convolution --quantc-quantize cannot quantize says why.

// NONE-COUNT-2: remark: left in float: a convolution is quantized as W8A8 (int8 activations per image or per tensor, int8 weights): weight-only schemes (activations=none, 4-bit weights, groups) take matmuls only

func.func @runtime_filter(%x: tensor<1x5x5x2xf32>, %w: tensor<1x1x2x2xf32>) -> tensor<1x5x5x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  // expected-error @+1 {{cannot quantize the weight (operand #1) at compile time: it is block argument #1, not an arith.constant; --quantc-quantize folds weights to i8 constants and needs their values}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x5x5x2xf32>, tensor<1x1x2x2xf32>) outs(%init : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  return %y : tensor<1x5x5x2xf32>
}

// -----

func.func @nan_filter(%x: tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32> {
  %w = arith.constant dense<[[[[1.0, 0x7FC00000], [0.5, 4.0]]]]> : tensor<1x1x2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  // expected-error @+1 {{the constant weight (operand #1) holds nan at flat index 1; only finite weights can be quantized or smoothed}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x5x5x2xf32>, tensor<1x1x2x2xf32>) outs(%init : tensor<1x5x5x2xf32>) -> tensor<1x5x5x2xf32>
  return %y : tensor<1x5x5x2xf32>
}

// -----

// A generic of convolution structure that takes the window's maximum of
// x * w is no contraction: --quantc-quantize leaves it alone (no QDQ, no
// diagnostic; it is no GEMM).
// NONE-LABEL: func.func @max_window
// CHECK-LABEL: func.func @max_window
// CHECK-NOT: quantc.quantize
// CHECK: return
func.func @max_window(%x: tensor<1x5x5x2xf32>) -> tensor<1x3x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x2x2xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(n, h, w, f, kh, kw, c) -> (n, h + kh, w + kw, c)>,
                                        affine_map<(n, h, w, f, kh, kw, c) -> (kh, kw, c, f)>,
                                        affine_map<(n, h, w, f, kh, kw, c) -> (n, h, w, f)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x5x5x2xf32>, tensor<3x3x2x2xf32>) outs(%init : tensor<1x3x3x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.maximumf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}
