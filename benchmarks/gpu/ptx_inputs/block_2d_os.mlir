func.func @block_2d_os(%x: tensor<256x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<256x1xf32>, %ws: tensor<1x512xf32>, %os: tensor<64x128xf32>) -> tensor<256x512xi8> {
  %acc = quantc.matmul %x, %w : tensor<256x256xi8>, tensor<512x256xi8> -> tensor<256x512xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os  : (tensor<256x512xi32>, tensor<256x1xf32>, tensor<1x512xf32>, tensor<64x128xf32>) -> tensor<256x512xi8>
  return %y : tensor<256x512xi8>
}
