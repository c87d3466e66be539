func.func @i32_48x80x96(%x: tensor<48x96xi8>, %w: tensor<80x96xi8>) -> tensor<48x80xi32> {
  %acc = quantc.matmul %x, %w : tensor<48x96xi8>, tensor<80x96xi8> -> tensor<48x80xi32>
  return %acc : tensor<48x80xi32>
}
