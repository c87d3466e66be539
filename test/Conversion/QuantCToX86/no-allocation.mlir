// The per-token dynamic W8A8 linear (absmax per row, quantize, int8 GEMM,
// dequantize) into a caller's buffer allocates nothing on the heap: the rows
// are quantized in place into one buffer (eliminate-empty-tensors), whose
// temporaries are hoisted out of the row loop and kept on the stack
// (promote-buffers-to-stack, up to 64 KiB), and the GEMM writes into the
// caller's buffer.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 | FileCheck %s
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=generic | FileCheck %s --check-prefix=GENERIC
// CHECK-LABEL: llvm.func @linear
// CHECK-NOT: @malloc
// CHECK: llvm.call @__quantc_x86_gemm
// CHECK-NOT: @malloc
// CHECK: llvm.return
// The reference GEMM's i32 accumulator (16 x 32 x 4 B) is a stack
// temporary too.
// GENERIC-LABEL: llvm.func @linear
// GENERIC-NOT: @malloc
// GENERIC: llvm.return
func.func @linear(%xm: memref<16x64xf32>, %y: memref<16x32xf32>) {
  %x = bufferization.to_tensor %xm restrict : memref<16x64xf32> to tensor<16x64xf32>
  %xs = quantc.compute_scale %x {dims = array<i64: 1>} : tensor<16x64xf32> -> tensor<16x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<16x64xf32>, tensor<16x1xf32> -> tensor<16x64xi8>
  %w = arith.constant dense<3> : tensor<32x64xi8>
  %ws = arith.constant dense<0.01> : tensor<1x32xf32>
  %acc = quantc.matmul %xq, %w : tensor<16x64xi8>, tensor<32x64xi8> -> tensor<16x32xi32>
  %r = quantc.rescale %acc, %xs, %ws : (tensor<16x32xi32>, tensor<16x1xf32>, tensor<1x32xf32>) -> tensor<16x32xf32>
  bufferization.materialize_in_destination %r in restrict writable %y : (tensor<16x32xf32>, memref<16x32xf32>) -> ()
  return
}
