// The small_m kernel through the LLVM optimizer and x86 instruction
// selection, as compile_cpu runs them (the kernel inlined): the W groups are embedded broadcasts
// of vpdpbusd, W's rows constant offsets from one pointer (row stride K).
// At M = 1 the kernel once packed 16 copies of A's row, whose shuffles made
// LLVM 22's instruction selection loop forever; M = 1 now takes the decode
// kernel, and M = 4 packs 4 rows of A into a 16-row block.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | mlir-translate --mlir-to-llvmir \
// RUN:   | opt -O3 -mattr=+avx512f,+avx512bw,+avx512vnni -S \
// RUN:   | %llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni -o - | FileCheck %s

// A 2-D GEMM of 1-3 static rows takes the decode kernel instead: rows of W
// as whole vectors against A's row (all 16 lanes busy), no broadcast.
// CHECK-LABEL: decode:
// CHECK-NOT: {1to16}
// CHECK: vpdpbusd %zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NOT: {1to16}
// CHECK-LABEL: small:
// CHECK: vpdpbusd (%[[P:[a-z0-9]+]],%[[G:[a-z0-9]+]]{{.*}}){1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd 64(%[[P]],%[[G]]{{.*}}){1to16}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
func.func @decode(%x: tensor<1x64xi8>, %w: tensor<40x64xi8>) -> tensor<1x40xi32> {
  %r = quantc.matmul %x, %w : tensor<1x64xi8>, tensor<40x64xi8> -> tensor<1x40xi32>
  return %r : tensor<1x40xi32>
}
func.func @small(%x: tensor<4x64xi8>, %w: tensor<40x64xi8>) -> tensor<4x40xi32> {
  %r = quantc.matmul %x, %w : tensor<4x64xi8>, tensor<40x64xi8> -> tensor<4x40xi32>
  return %r : tensor<4x40xi32>
}
