func.func @i32_4096x2048x256(%x: tensor<4096x256xi8>, %w: tensor<2048x256xi8>) -> tensor<4096x2048xi32> {
  %acc = quantc.matmul %x, %w : tensor<4096x256xi8>, tensor<2048x256xi8> -> tensor<4096x2048xi32>
  return %acc : tensor<4096x2048xi32>
}
