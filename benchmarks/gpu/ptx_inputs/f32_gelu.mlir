func.func @f32_gelu(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x512xf32>) -> tensor<256x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<gelu>} : (tensor<256x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>) -> tensor<256x512xf32>
  return %y : tensor<256x512xf32>
}
