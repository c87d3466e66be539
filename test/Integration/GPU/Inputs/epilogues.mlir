// Compiled ahead of time by quantc-aot and run by epilogues_driver.cpp on a
// GPU machine; run_gpu_checks.py compares every output with the NumPy
// reference. Shapes cover several thread blocks, a K that is not a multiple
// of the 64-byte K tile (96), and tiles smaller than the thread count.
func.func @gemm_i32(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>) -> tensor<256x512xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  return %acc : tensor<256x512xi32>
}
func.func @gemm_small(%x: tensor<48x96xi8>, %w: tensor<80x96xi8>) -> tensor<48x80xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<48x96xi8>, tensor<80x96xi8> -> tensor<48x80xi32>
  return %acc : tensor<48x80xi32>
}
func.func @rescale_f32(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<256x1xf32>,
                       %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>) -> tensor<256x512xf32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b : (tensor<256x512xi32>, tensor<256x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>) -> tensor<256x512xf32>
  return %y : tensor<256x512xf32>
}
func.func @rescale_f16_relu(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<256x1xf32>,
                            %ws: tensor<1x512xf32>) -> tensor<256x512xf16>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<relu>} : (tensor<256x512xi32>, tensor<256x1xf32>, tensor<1x512xf32>) -> tensor<256x512xf16>
  return %y : tensor<256x512xf16>
}
func.func @requant_i8(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<256x1xf32>,
                      %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>, %os: tensor<1x1xf32>) -> tensor<256x512xi8>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<relu>} : (tensor<256x512xi32>, tensor<256x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<1x1xf32>) -> tensor<256x512xi8>
  return %y : tensor<256x512xi8>
}
func.func @gelu_f32(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<1x1xf32>,
                    %ws: tensor<1x512xf32>) -> tensor<256x512xf32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<gelu>} : (tensor<256x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>) -> tensor<256x512xf32>
  return %y : tensor<256x512xf32>
}
