func.func @pad7_rowos_i8(%x: tensor<7x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<7x1xf32>, %ws: tensor<1x512xf32>, %os: tensor<7x128xf32>) -> tensor<7x512xi8> {
  %acc = quantc.matmul %x, %w : tensor<7x256xi8>, tensor<512x256xi8> -> tensor<7x512xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os  : (tensor<7x512xi32>, tensor<7x1xf32>, tensor<1x512xf32>, tensor<7x128xf32>) -> tensor<7x512xi8>
  return %y : tensor<7x512xi8>
}
