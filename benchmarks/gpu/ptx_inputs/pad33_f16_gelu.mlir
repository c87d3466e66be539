func.func @pad33_f16_gelu(%x: tensor<33x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<33x1xf32>, %ws: tensor<1x512xf32>) -> tensor<33x512xf16> {
  %acc = quantc.matmul %x, %w : tensor<33x256xi8>, tensor<512x256xi8> -> tensor<33x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<gelu>} : (tensor<33x512xi32>, tensor<33x1xf32>, tensor<1x512xf32>) -> tensor<33x512xf16>
  return %y : tensor<33x512xf16>
}
