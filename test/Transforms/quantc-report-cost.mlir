// RUN: quantc-opt %s --quantc-report-cost=target=h100 -split-input-file -verify-diagnostics -mlir-print-op-on-diagnostic=false -o /dev/null
// RUN: quantc-opt %s --quantc-report-cost="target=h100 format=json" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=JSON
// RUN: quantc-opt %s --quantc-report-cost="target=zen5-2c" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: quantc-opt %s --quantc-report-cost="peak-int8=1e12 peak-fp16=1e12 bandwidth=1e9" -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=CUSTOM

// N = C = D = 4096: FP16 moves 2(NC + CD + ND) bytes for 2NCD ops: 1365.3.
// W8A8 with FP16 I/O: 4NC + CD + 2ND bytes: 1170.3, below FP16.
// W8A16: 2NC + CD + 2ND: 1638.4. W4A16: 2NC + CD/2 + 2ND: 1820.4. Fused int8 I/O: NC + CD + ND: 2730.7.
// expected-remark @below {{quantc cost: function @square moves 134217728 bytes between ops (100663296 read, 33554432 written, 33554432 of them float results) in 1 kernels}}
func.func @square(%x: tensor<4096x4096xf16>, %w: tensor<4096x4096xf16>, %i: tensor<4096x4096xf16>) -> tensor<4096x4096xf16> {
  // expected-remark @below {{quantc cost: linalg.matmul N=4096 C=4096 D=4096}}
  // expected-note @below {{FP16:            GEMM ops 1.374e+11, q/dq ops 0, bytes 1.007e+08, intensity 1365.3 ops/byte, 139 us (compute-bound)}}
  // expected-note @below {{W8A8 (FP16 I/O): GEMM ops 1.374e+11, q/dq ops 3.355e+07, bytes 1.174e+08, intensity 1170.3 ops/byte, 69.4 us (compute-bound)}}
  // expected-note @below {{W8A16:           GEMM ops 1.374e+11, q/dq ops 1.678e+07, bytes 8.389e+07, intensity 1638.4 ops/byte, 139 us (compute-bound)}}
  // expected-note @below {{W4A16:           GEMM ops 1.374e+11, q/dq ops 1.678e+07, bytes 7.55e+07, intensity 1820.4 ops/byte, 139 us (compute-bound)}}
  // expected-note @below {{fused int8 I/O:  GEMM ops 1.374e+11, q/dq ops 1.678e+07, bytes 5.033e+07, intensity 2730.7 ops/byte, 69.4 us (compute-bound)}}
  // expected-note @below {{roofline h100: ridge int8 590.7, fp16 295.4 ops/byte; FP16 is compute-bound -> recommend fused W8A8}}
  %y = linalg.matmul ins(%x, %w : tensor<4096x4096xf16>, tensor<4096x4096xf16>) outs(%i : tensor<4096x4096xf16>) -> tensor<4096x4096xf16>
  return %y : tensor<4096x4096xf16>
}
// JSON: "C":4096,"D":4096,"N":4096,"batch":1,"fp16_bound":"compute","op":"linalg.matmul","recommend":"fused-w8a8"
// JSON-SAME: "fp16":{"bound":"compute","bytes":100663296,"gemm_ops":137438953472,"intensity":1365.33
// CPU: roofline zen5-2c: ridge int8 43.4, fp16 10.8 ops/byte; FP16 is compute-bound -> recommend fused W8A8
// CUSTOM: roofline zen5-2c: ridge int8 1000.0, fp16 1000.0 ops/byte; FP16 is memory-bound -> recommend W8A16 (weight-only)

// -----

// Decode-time LLM shape (M = 16, transposed weight [D, C]): memory-bound, so
// the weight bytes dominate and weight-only quantization is recommended.
// expected-remark @below {{quantc cost: function @decode moves}}
func.func @decode(%x: tensor<16x4096xf16>, %w: tensor<11008x4096xf16>, %i: tensor<16x11008xf16>) -> tensor<16x11008xf16> {
  // expected-remark @below {{quantc cost: linalg.matmul N=16 C=4096 D=11008}}
  // expected-note @below {{FP16:            GEMM ops 1.443e+09, q/dq ops 0, bytes 9.066e+07, intensity 15.9 ops/byte, 27.1 us (memory-bound)}}
  // expected-note @below {{W8A8 (FP16 I/O)}}
  // expected-note @below {{W8A16:           GEMM ops 1.443e+09, q/dq ops 4.509e+07, bytes 4.557e+07, intensity 31.7 ops/byte, 13.6 us (memory-bound)}}
  // expected-note @below {{W4A16:           GEMM ops 1.443e+09, q/dq ops 4.509e+07, bytes 2.303e+07, intensity 62.7 ops/byte, 6.87 us (memory-bound)}}
  // expected-note @below {{fused int8 I/O}}
  // expected-note @below {{FP16 is memory-bound -> recommend W8A16 (weight-only)}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<16x4096xf16>, tensor<11008x4096xf16>) outs(%i : tensor<16x11008xf16>) -> tensor<16x11008xf16>
  return %y : tensor<16x11008xf16>
}
// JSON: "N":16,{{.*}}"recommend":"w8a16"

// -----

// quantc.matmul with a batch: the batch multiplies every count.
// expected-remark @below {{quantc cost: function @batch moves 832 bytes between ops (320 read, 512 written, 0 of them float results) in 1 kernels}}
func.func @batch(%x: tensor<2x4x8xi8>, %w: tensor<2x16x8xi8>) -> tensor<2x4x16xi32> {
  // expected-remark @below {{quantc cost: quantc.matmul N=4 C=8 D=16 batch=2}}
  // expected-note @below {{FP16:            GEMM ops 2048, q/dq ops 0, bytes 896, intensity 2.3 ops/byte}}
  // expected-note @below {{W8A8 (FP16 I/O)}}
  // expected-note @below {{W8A16:           GEMM ops 2048, q/dq ops 256, bytes 640, intensity 3.2 ops/byte}}
  // expected-note @below {{W4A16:           GEMM ops 2048, q/dq ops 256, bytes 512, intensity 4.0 ops/byte}}
  // expected-note @below {{fused int8 I/O:  GEMM ops 2048, q/dq ops 128, bytes 448, intensity 4.6 ops/byte}}
  // expected-note @below {{roofline}}
  %y = quantc.matmul %x, %w : tensor<2x4x8xi8>, tensor<2x16x8xi8> -> tensor<2x4x16xi32>
  return %y : tensor<2x4x16xi32>
}

// -----

// Dynamic shapes: no figures, said so.
// expected-remark @below {{quantc cost: function @dynamic moves 512 bytes between ops (512 read, 0 written, 0 of them float results) in 1 kernels}}
func.func @dynamic(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>, %i: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // expected-remark @below {{quantc cost: dynamic shape, cost unknown}}
  %y = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x16xf32>) outs(%i : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
