// RUN: quantc-opt %s --convert-quantc-to-gpu="chip=sm_90a" -split-input-file -verify-diagnostics | FileCheck %s

// FP8 has only the wgmma kernel: a shape it does not tile stays on the host
// (the reference lowering), with a remark that says why; an unfused FP8 GEMM
// stores its f32 accumulators.

// CHECK-LABEL: func.func @k_not_128
// CHECK: quantc.matmul
func.func @k_not_128(%x: tensor<128x96xf8E4M3FN>, %w: tensor<128x96xf8E4M3FN>) -> tensor<128x128xf32> {
  // expected-remark @+1 {{runs on the host, not on Tensor Cores: the FP8 (E4M3) kernel is the sm_90a wgmma one, and K is not a multiple of 128}}
  %acc = quantc.matmul %x, %w : tensor<128x96xf8E4M3FN>, tensor<128x96xf8E4M3FN> -> tensor<128x128xf32>
  return %acc : tensor<128x128xf32>
}

// -----

// CHECK-LABEL: func.func @unfused
// CHECK: call @__quantc_launch_gemm_0({{.+}}) : (memref<256x128xf8E4M3FN>, memref<128x128xf8E4M3FN>, memref<256x128xf32>) -> ()
// CHECK: gpu.func @gemm_0
// CHECK: nvvm.wgmma.mma_async {{.+}} D[<f32>, <one>], A[<e4m3>, <one>, <row>], B[<e4m3>, <one>, <col>]
// CHECK: vector.store %{{.+}} : memref<256x128xf32>, vector<2xf32>
func.func @unfused(%x: tensor<256x128xf8E4M3FN>, %w: tensor<128x128xf8E4M3FN>) -> tensor<256x128xf32> {
  %acc = quantc.matmul %x, %w : tensor<256x128xf8E4M3FN>, tensor<128x128xf8E4M3FN> -> tensor<256x128xf32>
  return %acc : tensor<256x128xf32>
}
