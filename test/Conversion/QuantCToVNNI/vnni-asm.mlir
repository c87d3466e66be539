// The compiled code multiplies with vpdpbusd and has no vpmulld (the
// widening i32 multiply plain IR becomes): checked on the x86 assembly.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni -o - | FileCheck %s
// The emulated kernels (tests on hosts without VNNI) are the contrast: LLVM
// widens them to i16/i32 multiplies (vpmaddwd, vpdpwssd), never vpdpbusd.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni-emulated | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mattr=+avx512f,+avx512bw,+avx512vnni -o - | FileCheck %s --check-prefix=EMU

// The inner loop: 4 packed weight zmm loads, then per row one
// broadcast-xor (+128) of 4 activation bytes feeding 4 vpdpbusd.
// CHECK-LABEL: __quantc_vnni_gemm:
// CHECK-NOT: vpmulld
// CHECK: vmovdqu64 {{.*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}}), %zmm
// CHECK-NEXT: vmovdqu64 {{.*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}}), %zmm
// CHECK-NEXT: vmovdqu64 {{.*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}}), %zmm
// CHECK-NEXT: vmovdqu64 {{.*}}(%{{[a-z0-9]+}},%{{[a-z0-9]+}}), %zmm
// CHECK-NEXT: vpxord {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm[[A:[0-9]+]]
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A]], %zmm{{[0-9]+}}
// CHECK-NEXT: vpxord {{.*}}{1to16}, %zmm{{[0-9]+}}, %zmm[[A2:[0-9]+]]
// CHECK-NEXT: vpdpbusd %zmm{{[0-9]+}}, %zmm[[A2]], %zmm{{[0-9]+}}
// CHECK-NOT: vpmulld
// CHECK: .size __quantc_vnni_gemm
// EMU-LABEL: __quantc_vnni_gemm:
// EMU-NOT: vpdpbusd
// EMU: {{vpmulld|vpmaddwd|vpdpwssd}}
func.func @gemm(%x: tensor<24x256xi8>, %xs: tensor<24x1xf32>) -> tensor<24x128xf32> {
  %w = arith.constant dense<3> : tensor<128x256xi8>
  %ws = arith.constant dense<0.5> : tensor<1x128xf32>
  %acc = quantc.matmul %x, %w : tensor<24x256xi8>, tensor<128x256xi8> -> tensor<24x128xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<24x128xi32>, tensor<24x1xf32>, tensor<1x128xf32>) -> tensor<24x128xf32>
  return %y : tensor<24x128xf32>
}
