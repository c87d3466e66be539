func.func @f16_relu(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<256x1xf32>, %ws: tensor<1x512xf32>) -> tensor<256x512xf16> {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<relu>} : (tensor<256x512xi32>, tensor<256x1xf32>, tensor<1x512xf32>) -> tensor<256x512xf16>
  return %y : tensor<256x512xf16>
}
