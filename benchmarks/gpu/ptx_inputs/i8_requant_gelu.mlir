func.func @i8_requant_gelu(%x: tensor<128x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<128x1xf32>, %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>, %os: tensor<1x1xf32>) -> tensor<128x512xi8> {
  %acc = quantc.matmul %x, %w : tensor<128x256xi8>, tensor<512x256xi8> -> tensor<128x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<gelu>} : (tensor<128x512xi32>, tensor<128x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>, tensor<1x1xf32>) -> tensor<128x512xi8>
  return %y : tensor<128x512xi8>
}
