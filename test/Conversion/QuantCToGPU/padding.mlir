// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file | FileCheck %s

// M is zero-padded to a multiple of 16 (decode-sized token counts): the
// activation and its per-row scale get zero rows, the kernel runs on 16 rows
// and the result drops the extra ones. Broadcast operands stay as they are.

// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[X:.+]]: tensor<3x256xi8>, %[[W:.+]]: tensor<512x256xi8>, %[[XS:.+]]: tensor<3x1xf32>, %[[WS:.+]]: tensor<1x512xf32>, %[[B:.+]]: tensor<1x512xf32>)
// CHECK:       %[[XP:.+]] = tensor.pad %[[X]] low[0, 0] high[13, 0]
// CHECK:         tensor.yield %{{.+}} : i8
// CHECK:       %[[XSP:.+]] = tensor.pad %[[XS]] low[0, 0] high[13, 0]
// CHECK:         tensor.yield %{{.+}} : f32
// CHECK:       call @__quantc_launch_gemm_0({{.+}}) : (memref<16x256xi8>, memref<512x256xi8>, memref<16x512xf32>, memref<16x1xf32>, memref<1x512xf32>, memref<1x512xf32>) -> ()
// CHECK:       %[[R:.+]] = tensor.extract_slice %{{.+}}[0, 0] [3, 512] [1, 1] : tensor<16x512xf32> to tensor<3x512xf32>
// CHECK:       return %[[R]]
// CHECK:     gpu.func @gemm_0(%{{.+}}: memref<16x256xi8>, %{{.+}}: memref<512x256xi8>, %{{.+}}: memref<16x512xf32>, %{{.+}}: memref<16x1xf32>
func.func @decode(%x: tensor<3x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<3x1xf32>, %ws: tensor<1x512xf32>, %b: tensor<1x512xf32>) -> tensor<3x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<3x256xi8>, tensor<512x256xi8> -> tensor<3x512xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b : (tensor<3x512xi32>, tensor<3x1xf32>, tensor<1x512xf32>, tensor<1x512xf32>) -> tensor<3x512xf32>
  return %y : tensor<3x512xf32>
}

// -----

// One token: the [1, 1] scale is a broadcast and is not padded.
// CHECK-LABEL: func.func @one
// CHECK:       tensor.pad %{{.+}} low[0, 0] high[15, 0]
// CHECK-NOT:   tensor.pad
// CHECK:       call @__quantc_launch_gemm_0({{.+}}) : (memref<16x256xi8>, memref<512x256xi8>, memref<16x512xf32>, memref<1x1xf32>, memref<1x512xf32>) -> ()
// CHECK:       tensor.extract_slice %{{.+}}[0, 0] [1, 512] [1, 1] : tensor<16x512xf32> to tensor<1x512xf32>
func.func @one(%x: tensor<1x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<1x1xf32>, %ws: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %acc = quantc.matmul %x, %w : tensor<1x256xi8>, tensor<512x256xi8> -> tensor<1x512xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<1x512xi32>, tensor<1x1xf32>, tensor<1x512xf32>) -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}
