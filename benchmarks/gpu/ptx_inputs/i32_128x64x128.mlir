func.func @i32_128x64x128(%x: tensor<128x128xi8>, %w: tensor<64x128xi8>) -> tensor<128x64xi32> {
  %acc = quantc.matmul %x, %w : tensor<128x128xi8>, tensor<64x128xi8> -> tensor<128x64xi32>
  return %acc : tensor<128x64xi32>
}
