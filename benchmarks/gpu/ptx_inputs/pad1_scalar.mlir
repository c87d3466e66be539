func.func @pad1_scalar(%x: tensor<1x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<1x256xi8>, tensor<512x256xi8> -> tensor<1x512xi32>
  %y = quantc.rescale %acc, %xs, %ws  : (tensor<1x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>) -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}
