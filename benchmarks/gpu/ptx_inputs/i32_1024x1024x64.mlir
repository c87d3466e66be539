func.func @i32_1024x1024x64(%x: tensor<1024x64xi8>, %w: tensor<1024x64xi8>) -> tensor<1024x1024xi32> {
  %acc = quantc.matmul %x, %w : tensor<1024x64xi8>, tensor<1024x64xi8> -> tensor<1024x1024xi32>
  return %acc : tensor<1024x1024xi32>
}
