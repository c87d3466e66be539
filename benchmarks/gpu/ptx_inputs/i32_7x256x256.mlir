func.func @i32_7x256x256(%x: tensor<7x256xi8>, %w: tensor<256x256xi8>) -> tensor<7x256xi32> {
  %acc = quantc.matmul %x, %w : tensor<7x256xi8>, tensor<256x256xi8> -> tensor<7x256xi32>
  return %acc : tensor<7x256xi32>
}
