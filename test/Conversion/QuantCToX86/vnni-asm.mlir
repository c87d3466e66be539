// The compiled code multiplies with vpdpbusd and has no vpmulld (the
// widening i32 multiply plain IR becomes): checked on the x86 assembly.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni -o - | FileCheck %s
// The emulated kernels (tests on hosts without VNNI) are the contrast: LLVM
// widens them to i16/i32 multiplies (vpmaddwd, vpdpwssd), never vpdpbusd.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni-emulated | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni -o - | FileCheck %s --check-prefix=EMU
// The AVX2 kernels: sign-extension when the tile is packed, then vpmaddwd +
// vpaddd on i16 (never the saturating vpmaddubsw), no spills in the loop.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mcpu=znver3 -o - | FileCheck %s --check-prefix=AVX2

// The inner loop: packed weight zmm loads, then per row one broadcast of
// 4 activation bytes straight from the packed tile (the +128 xor happened
// when the tile was packed) feeding 4 vpdpbusd: nothing but loads beside the
// 24 vpdpbusd.
// CHECK-LABEL: __quantc_x86_gemm:
// CHECK-NOT: vpmulld
// The activation tile is packed with the +128 flip.
// CHECK: vpxor{{.*}}%zmm
// CHECK: vmovdqu64 192(%{{[a-z0-9]+}},%{{[a-z0-9]+}}), %zmm
// CHECK: vpbroadcastd {{.*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}},4), %zmm[[A:[0-9]+]]
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpbroadcastd {{.*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}},4), %zmm[[A2:[0-9]+]]
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A2]], %zmm{{[0-9]+}}
// CHECK-NOT: vpmulld
// CHECK: .size __quantc_x86_gemm
// EMU-LABEL: __quantc_x86_gemm:
// EMU-NOT: vpdpbusd
// EMU: {{vpmulld|vpmaddwd|vpdpwssd}}
// AVX2-LABEL: __quantc_x86_gemm:
// AVX2-NOT: vpmaddubsw
// AVX2: vpmovsxbw
// The K loop, from its first broadcast from the tile to its back edge.
// AVX2: vpbroadcastd {{[0-9]*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}},4), %ymm
// AVX2-NOT: {{rsp|vpmaddubsw}}
// AVX2: vpmaddwd %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
// AVX2-NOT: {{rsp|vpmaddubsw}}
// AVX2: vpaddd %ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
// AVX2-NOT: {{rsp|vpmaddubsw}}
// AVX2: jle .LBB
// AVX2-NOT: vpmaddubsw
// AVX2: .size __quantc_x86_gemm
func.func @gemm(%x: tensor<24x256xi8>, %xs: tensor<24x1xf32>) -> tensor<24x128xf32> {
  %w = arith.constant dense<3> : tensor<128x256xi8>
  %ws = arith.constant dense<0.5> : tensor<1x128xf32>
  %acc = quantc.matmul %x, %w : tensor<24x256xi8>, tensor<128x256xi8> -> tensor<24x128xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<24x128xi32>, tensor<24x1xf32>, tensor<1x128xf32>) -> tensor<24x128xf32>
  return %y : tensor<24x128xf32>
}

