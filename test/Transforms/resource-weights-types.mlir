// RUN: quantc-opt %s --quantc-quantize -split-input-file -verify-diagnostics | FileCheck %s

// A bf16 weight blob is read as f32 (0x3F80 = 1, 0x3F00 = 0.5, 0xC080 = -4,
// 0x4000 = 2) and quantized per output channel like the f32 one of
// resource-weights.mlir: [[32, 32], [-127, 127]].
// CHECK-LABEL: func.func @bf16_weight
// CHECK: arith.constant dense_resource<w_q> : tensor<2x2xi8>
// CHECK: dialect_resources
// CHECK: w_q: "0x400000002020817F"
func.func @bf16_weight(%x: tensor<3x2xbf16>) -> tensor<3x2xbf16> {
  %w = arith.constant dense_resource<w> : tensor<2x2xbf16>
  %cst = arith.constant 0.0 : bf16
  %e = tensor.empty() : tensor<3x2xbf16>
  %z = linalg.fill ins(%cst : bf16) outs(%e : tensor<3x2xbf16>) -> tensor<3x2xbf16>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xbf16>, tensor<2x2xbf16>) outs(%z : tensor<3x2xbf16>) -> tensor<3x2xbf16>
  return %y : tensor<3x2xbf16>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x02000000803F003F80C00040"
    }
  }
#-}

// -----

// An 80-bit float blob is not read (its storage differs between dense and
// resource attributes): an error naming the type, no out-of-bounds read.
func.func @f80_weight(%x: tensor<3x2xf80>) -> tensor<3x2xf80> {
  %w = arith.constant dense_resource<w80> : tensor<2x2xf80>
  %cst = arith.constant 0.0 : f80
  %e = tensor.empty() : tensor<3x2xf80>
  %z = linalg.fill ins(%cst : f80) outs(%e : tensor<3x2xf80>) -> tensor<3x2xf80>
  // expected-error @+1 {{a constant of unsupported type tensor<2x2xf80>}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf80>, tensor<2x2xf80>) outs(%z : tensor<3x2xf80>) -> tensor<3x2xf80>
  return %y : tensor<3x2xf80>
}

{-#
  dialect_resources: {
    builtin: {
      w80: "0x10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
