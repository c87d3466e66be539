// The decode kernels of cpu=avx2 in x86 assembly, compiled for Zen 3 (no
// AVX-512: an AVX-512 intrinsic in the IR would fail to select, and the
// IR's vectors are at most 256 bits, decode-avx2.mlir). Both operands
// sign-extended (vpmovsxbw), vpmaddwd on ymm, never the saturating
// vpmaddubsw, no zmm register, no vpdpbusd.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 | mlir-translate --mlir-to-llvmir \
// RUN:   | %llc -O3 -mcpu=znver3 -o - | FileCheck %s

// CHECK-LABEL: __quantc_x86_decode_gemm:
// CHECK-NOT: zmm
// CHECK-NOT: vpdpbusd
// CHECK-NOT: vpmaddubsw
// CHECK: vpmovsxbw
// CHECK: vpmaddwd %ymm
// CHECK-NOT: zmm
// CHECK-NOT: vpdpbusd
// CHECK-NOT: vpmaddubsw
// CHECK: .size{{.*}}__quantc_x86_decode_gemm,
// CHECK-LABEL: __quantc_x86_decode_gemm_0:
// CHECK-NOT: zmm
// CHECK-NOT: vpdpbusd
// CHECK-NOT: vpmaddubsw
// CHECK: vpmovsxbw
// CHECK: vpmaddwd %ymm
// CHECK-NOT: zmm
// CHECK-NOT: vpdpbusd
// CHECK-NOT: vpmaddubsw
// CHECK: .size{{.*}}__quantc_x86_decode_gemm_0,
func.func @qk(%q: tensor<32x1x128xi8>, %kc: tensor<?x32x128xi8>, %qs: tensor<32x1x1xf32>, %ks: tensor<32x1x?xf32>) -> tensor<32x1x?xf32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x32x128xi8>
  %e = tensor.empty(%l) : tensor<32x?x128xi8>
  %t = linalg.transpose ins(%kc : tensor<?x32x128xi8>) outs(%e : tensor<32x?x128xi8>) permutation = [1, 0, 2]
  %r = quantc.matmul %q, %t : tensor<32x1x128xi8>, tensor<32x?x128xi8> -> tensor<32x1x?xi32>
  %y = quantc.rescale %r, %qs, %ks : (tensor<32x1x?xi32>, tensor<32x1x1xf32>, tensor<32x1x?xf32>) -> tensor<32x1x?xf32>
  return %y : tensor<32x1x?xf32>
}

func.func @pv(%p: tensor<32x1x?xi8>, %vc: tensor<?x32x100xi8>) -> tensor<32x1x100xi32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %vc, %c0 : tensor<?x32x100xi8>
  %e = tensor.empty(%l) : tensor<32x100x?xi8>
  %t = linalg.transpose ins(%vc : tensor<?x32x100xi8>) outs(%e : tensor<32x100x?xi8>) permutation = [1, 2, 0]
  %r = quantc.matmul %p, %t : tensor<32x1x?xi8>, tensor<32x100x?xi8> -> tensor<32x1x100xi32>
  return %r : tensor<32x1x100xi32>
}
