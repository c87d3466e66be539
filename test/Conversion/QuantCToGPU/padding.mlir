// RUN: quantc-opt %s --convert-quantc-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

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

// -----

// Every broadcast the rescale verifier accepts is read by the kernel (a
// divide for blocks), but padding breaks a scale that varies in blocks of
// rows: the kernel returns i32 and the rescale runs on the host.
// CHECK-LABEL: func.func @row_blocks
// CHECK:       call @__quantc_launch_gemm_0({{.+}}) : (memref<48x256xi8>, memref<512x256xi8>, memref<48x512xi32>) -> ()
// CHECK:       %[[ACC:.+]] = tensor.extract_slice %{{.+}}[0, 0] [33, 512] [1, 1] : tensor<48x512xi32> to tensor<33x512xi32>
// CHECK:       quantc.rescale %[[ACC]]
func.func @row_blocks(%x: tensor<33x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<3x1xf32>, %ws: tensor<1x512xf32>) -> tensor<33x512xf32> {
  // expected-remark @+1 {{the rescale runs on the host, not in the kernel's epilogue: its x_scale is a 'block' broadcast (blocks of 11 rows), which the rows padded from 33 to 48 do not follow}}
  %acc = quantc.matmul %x, %w : tensor<33x256xi8>, tensor<512x256xi8> -> tensor<33x512xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<33x512xi32>, tensor<3x1xf32>, tensor<1x512xf32>) -> tensor<33x512xf32>
  return %y : tensor<33x512xf32>
}

// -----

// Without padding, blocks of rows and columns are read with a divide, and a
// full [M, N] output scale element by element.
// CHECK-LABEL: func.func @blocks
// CHECK:     gpu.func @gemm_0(%{{.+}}: memref<64x256xi8>, %{{.+}}: memref<512x256xi8>, %{{.+}}: memref<64x512xi8>, %[[XS:.+]]: memref<16x1xf32>, %[[WS:.+]]: memref<1x128xf32>, %[[OS:.+]]: memref<64x512xf32>)
// CHECK:       arith.sitofp
// CHECK-NEXT:  %[[R:.+]] = arith.divui %[[ROW:.+]], %c4 : index
// CHECK-NEXT:  memref.load %[[XS]][%[[R]], %c0] : memref<16x1xf32>
// CHECK:       %[[COL1:.+]] = arith.addi %[[COL:.+]], %c1 : index
// CHECK-NEXT:  %[[C0:.+]] = arith.divui %[[COL]], %c4 : index
// CHECK-NEXT:  memref.load %[[WS]][%c0, %[[C0]]] : memref<1x128xf32>
// CHECK-NEXT:  %[[C1:.+]] = arith.divui %[[COL1]], %c4 : index
// CHECK-NEXT:  memref.load %[[WS]][%c0, %[[C1]]] : memref<1x128xf32>
// CHECK-NEXT:  vector.from_elements %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK:       vector.load %[[OS]][%[[ROW]], %[[COL]]] {alignment = 8 : i64} : memref<64x512xf32>, vector<2xf32>
func.func @blocks(%x: tensor<64x256xi8>, %w: tensor<512x256xi8>, %xs: tensor<16x1xf32>, %ws: tensor<1x128xf32>, %os: tensor<64x512xf32>) -> tensor<64x512xi8> {
  %acc = quantc.matmul %x, %w : tensor<64x256xi8>, tensor<512x256xi8> -> tensor<64x512xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os : (tensor<64x512xi32>, tensor<16x1xf32>, tensor<1x128xf32>, tensor<64x512xf32>) -> tensor<64x512xi8>
  return %y : tensor<64x512xi8>
}
