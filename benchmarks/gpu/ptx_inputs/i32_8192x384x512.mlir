func.func @i32_8192x384x512(%x: tensor<8192x512xi8>, %w: tensor<384x512xi8>) -> tensor<8192x384xi32> {
  %acc = quantc.matmul %x, %w : tensor<8192x512xi8>, tensor<384x512xi8> -> tensor<8192x384xi32>
  return %acc : tensor<8192x384xi32>
}
