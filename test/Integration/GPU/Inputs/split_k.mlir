// Decode-shaped GEMMs for the split-K kernel (compiled by quantc-aot, run by
// split_k_driver.cpp, checked by run_split_k_checks.py): M = 1, 7, 16 rows of
// a 4096 x 4096 weight (int32 out), a 4144-column weight (32 full column
// tiles and a 48-column tail) and the fused epilogues (f32 with bias, f16 with
// ReLU, requantized i8) at K = 4096.
func.func @gemm_m1(%x: tensor<1x4096xi8>, %w: tensor<4096x4096xi8>) -> tensor<1x4096xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<1x4096xi8>, tensor<4096x4096xi8> -> tensor<1x4096xi32>
  return %acc : tensor<1x4096xi32>
}
func.func @gemm_m7(%x: tensor<7x4096xi8>, %w: tensor<4096x4096xi8>) -> tensor<7x4096xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<7x4096xi8>, tensor<4096x4096xi8> -> tensor<7x4096xi32>
  return %acc : tensor<7x4096xi32>
}
func.func @gemm_m16(%x: tensor<16x4096xi8>, %w: tensor<4096x4096xi8>) -> tensor<16x4096xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<16x4096xi8>, tensor<4096x4096xi8> -> tensor<16x4096xi32>
  return %acc : tensor<16x4096xi32>
}
func.func @tail_m7_i32(%x: tensor<7x4096xi8>, %w: tensor<4144x4096xi8>) -> tensor<7x4144xi32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<7x4096xi8>, tensor<4144x4096xi8> -> tensor<7x4144xi32>
  return %acc : tensor<7x4144xi32>
}
func.func @tail_m7_f32(%x: tensor<7x4096xi8>, %w: tensor<4144x4096xi8>, %xs: tensor<7x1xf32>,
                       %ws: tensor<1x4144xf32>, %b: tensor<1x4144xf32>) -> tensor<7x4144xf32>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<7x4096xi8>, tensor<4144x4096xi8> -> tensor<7x4144xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b : (tensor<7x4144xi32>, tensor<7x1xf32>, tensor<1x4144xf32>, tensor<1x4144xf32>) -> tensor<7x4144xf32>
  return %y : tensor<7x4144xf32>
}
func.func @f16_relu_m1(%x: tensor<1x4096xi8>, %w: tensor<4096x4096xi8>, %xs: tensor<1x1xf32>,
                       %ws: tensor<1x4096xf32>) -> tensor<1x4096xf16>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<1x4096xi8>, tensor<4096x4096xi8> -> tensor<1x4096xi32>
  %y = quantc.rescale %acc, %xs, %ws {activation = #quantc.activation<relu>} : (tensor<1x4096xi32>, tensor<1x1xf32>, tensor<1x4096xf32>) -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
func.func @requant_m16(%x: tensor<16x4096xi8>, %w: tensor<4096x4096xi8>, %xs: tensor<16x1xf32>,
                       %ws: tensor<1x4096xf32>, %b: tensor<1x4096xf32>, %os: tensor<1x1xf32>) -> tensor<16x4096xi8>
    attributes {llvm.emit_c_interface} {
  %acc = quantc.matmul %x, %w : tensor<16x4096xi8>, tensor<4096x4096xi8> -> tensor<16x4096xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b output_scale %os {activation = #quantc.activation<relu>} : (tensor<16x4096xi32>, tensor<16x1xf32>, tensor<1x4096xf32>, tensor<1x4096xf32>, tensor<1x1xf32>) -> tensor<16x4096xi8>
  return %y : tensor<16x4096xi8>
}
