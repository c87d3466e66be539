func.func @i32_256x256x128(%x: tensor<256x128xi8>, %w: tensor<256x128xi8>) -> tensor<256x256xi32> {
  %acc = quantc.matmul %x, %w : tensor<256x128xi8>, tensor<256x128xi8> -> tensor<256x256xi32>
  return %acc : tensor<256x256xi32>
}
