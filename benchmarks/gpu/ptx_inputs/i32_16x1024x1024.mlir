func.func @i32_16x1024x1024(%x: tensor<16x1024xi8>, %w: tensor<1024x1024xi8>) -> tensor<16x1024xi32> {
  %acc = quantc.matmul %x, %w : tensor<16x1024xi8>, tensor<1024x1024xi8> -> tensor<16x1024xi32>
  return %acc : tensor<16x1024xi32>
}
