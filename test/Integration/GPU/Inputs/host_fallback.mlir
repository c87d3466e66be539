// Compiled ahead of time by quantc-aot and run by host_fallback_driver.cpp on
// a GPU machine; run_host_fallback_checks.py compares every output with the
// NumPy reference. GEMMs no Tensor Core kernel takes stay on the host (with a
// remark): a K of 16 (not a multiple of the int8 MMA K, 32) with a fused
// rescale, an N of 24 (not a multiple of 16), and a two-layer function whose
// first GEMM runs on the GPU and whose second, fed by the first's requantized
// output, runs on the host.
func.func @host_k16_f32(%x: tensor<33x16xi8>, %w: tensor<48x16xi8>, %xs: tensor<33x1xf32>,
                        %ws: tensor<1x48xf32>, %b: tensor<1x48xf32>) -> tensor<33x48xf32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<33x16xi8>, tensor<48x16xi8> -> tensor<33x48xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b {activation = #quantc.activation<relu>} : (tensor<33x48xi32>, tensor<33x1xf32>, tensor<1x48xf32>, tensor<1x48xf32>) -> tensor<33x48xf32>
  return %y : tensor<33x48xf32>
}
func.func @host_n24_i32(%x: tensor<64x64xi8>, %w: tensor<24x64xi8>) -> tensor<64x24xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<64x64xi8>, tensor<24x64xi8> -> tensor<64x24xi32>
  return %acc : tensor<64x24xi32>
}
func.func @gpu_then_host(%x: tensor<32x128xi8>, %w1: tensor<64x128xi8>, %xs: tensor<32x1xf32>,
                         %ws1: tensor<1x64xf32>, %hs: tensor<1x1xf32>,
                         %w2: tensor<24x64xi8>) -> tensor<32x24xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w1 : tensor<32x128xi8>, tensor<64x128xi8> -> tensor<32x64xi32>
  %h = quantc.rescale %acc, %xs, %ws1 output_scale %hs {activation = #quantc.activation<relu>} : (tensor<32x64xi32>, tensor<32x1xf32>, tensor<1x64xf32>, tensor<1x1xf32>) -> tensor<32x64xi8>
  %y = quantc.matmul %h, %w2 : tensor<32x64xi8>, tensor<24x64xi8> -> tensor<32x24xi32>
  return %y : tensor<32x24xi32>
}
