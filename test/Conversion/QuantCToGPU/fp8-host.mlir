// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90" -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90" --convert-quantc-to-linalg 2>/dev/null | FileCheck %s --check-prefix=HOST

// chip=sm_90 (no wgmma): no FP8 Tensor Core kernel; the GEMM stays a
// quantc.matmul, which the host reference lowering computes (E4M3 decoded in
// integer arithmetic, f32 products summed in f32), with a remark.
// CHECK-LABEL: func.func @fp8
// CHECK:       quantc.matmul {{.+}} -> tensor<4x512xf32>
// CHECK-NOT:   gpu.module

// HOST-LABEL: func.func @fp8
// HOST:       linalg.generic
// HOST:         arith.bitcast %{{.+}} : f8E4M3FN to i8
// HOST:         arith.extui %{{.+}} : i8 to i32
// HOST:         arith.mulf %{{.+}} : f32
// HOST:         arith.addf %{{.+}} : f32
// HOST:       } -> tensor<4x512xf32>
func.func @fp8(%x: tensor<4x256xf8E4M3FN>, %w: tensor<512x256xf8E4M3FN>, %xs: tensor<4x1xf32>, %ws: tensor<1x512xf32>) -> tensor<4x512xf32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: the FP8 (E4M3) kernel is the sm_90a wgmma one, and chip=sm_90}}
  %acc = quantc.matmul %x, %w : tensor<4x256xf8E4M3FN>, tensor<512x256xf8E4M3FN> -> tensor<4x512xf32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<4x512xf32>, tensor<4x1xf32>, tensor<1x512xf32>) -> tensor<4x512xf32>
  return %y : tensor<4x512xf32>
}
