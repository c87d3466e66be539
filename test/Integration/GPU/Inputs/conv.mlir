// Compiled ahead of time by quantc-aot and run by conv_driver.cpp on a GPU
// machine; run_conv_checks.py compares every output with the NumPy reference.
// QDQ int8 convolutions (NHWC x HWCF, run-time weights), which
// --quantc-conv-to-gemm turns into an im2col GEMM on the Tensor Core kernel
// with the rescale fused: stride 2, and dilation 2.
func.func @conv_s2(%x: tensor<2x17x17x32xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x32x64xi8>,
                   %ws: tensor<1x1x1x64xf32>) -> tensor<2x8x8x64xf32>
    attributes {llvm.emit_c_interface} {
  %xd = quantc.dequantize %x, %xs : tensor<2x17x17x32xi8>, tensor<1x1x1x1xf32> -> tensor<2x17x17x32xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x32x64xi8>, tensor<1x1x1x64xf32> -> tensor<3x3x32x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8x8x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8x8x64xf32>) -> tensor<2x8x8x64xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%xd, %wd : tensor<2x17x17x32xf32>, tensor<3x3x32x64xf32>) outs(%init : tensor<2x8x8x64xf32>) -> tensor<2x8x8x64xf32>
  return %y : tensor<2x8x8x64xf32>
}
func.func @conv_d2(%x: tensor<2x17x17x32xi8>, %xs: tensor<1x1x1x1xf32>, %w: tensor<3x3x32x64xi8>,
                   %ws: tensor<1x1x1x64xf32>) -> tensor<2x13x13x64xf32>
    attributes {llvm.emit_c_interface} {
  %xd = quantc.dequantize %x, %xs : tensor<2x17x17x32xi8>, tensor<1x1x1x1xf32> -> tensor<2x17x17x32xf32>
  %wd = quantc.dequantize %w, %ws : tensor<3x3x32x64xi8>, tensor<1x1x1x64xf32> -> tensor<3x3x32x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x13x13x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x13x13x64xf32>) -> tensor<2x13x13x64xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%xd, %wd : tensor<2x17x17x32xf32>, tensor<3x3x32x64xf32>) outs(%init : tensor<2x13x13x64xf32>) -> tensor<2x13x13x64xf32>
  return %y : tensor<2x13x13x64xf32>
}
