// The decode kernel under isa=avx2 (CPUs without AVX-512, e.g. Zen 3):
// both operands sign-extended to i16, vpmaddwd + vpaddd (exact: the rule of
// the AVX2 micro-kernels, never the saturating vpmaddubsw), 8-lane ymm
// accumulators, no vpdpbusd and no 512-bit vector anywhere in the kernel
// (the assembly: decode-avx2-asm.mlir).
// RUN: quantc-opt %s --quantc-lower-matmul-to-x86=isa=avx2 -split-input-file -verify-diagnostics | FileCheck %s

// Q.K^T with its rescale fused: the cache [L, H, D] read in place, 8 rows
// of W per panel, 32 bytes of K per step (two pmaddwd per row of W), the 8
// accumulators summed by the shuffle tree, the epilogue on 8 lanes.
// CHECK-LABEL: func.func @qk
// CHECK-NOT: quantc.rescale
// CHECK: memref.transpose
// CHECK: call @__quantc_x86_decode_gemm
// CHECK-LABEL: func.func private @__quantc_x86_decode_gemm(
// CHECK-NOT: vpdpbusd
// CHECK-NOT: vector<64xi8>
// CHECK-NOT: vector<16xi32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c8
// CHECK: scf.for {{.*}} step %c32{{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK: vector.load %arg0{{.*}} vector<16xi8>
// CHECK: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi16>
// CHECK: vector.load %arg1{{.*}} vector<16xi8>
// CHECK: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi16>
// CHECK: quantc.x86.pmaddwd %{{.*}}, %{{.*}} : vector<16xi16> -> vector<8xi32>
// CHECK: arith.addi %{{.*}} : vector<8xi32>
// CHECK-COUNT-15: quantc.x86.pmaddwd
// CHECK: scf.if
// CHECK: vector.maskedload %arg1
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 8, 9, 10, 11] : vector<8xi32>, vector<8xi32>
// CHECK: %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<8xi1>
// CHECK: memref.load %arg3
// CHECK: vector.maskedload %arg4{{.*}}, %[[MASK]]
// CHECK: arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK: vector.maskedstore %arg2[{{.*}}], %[[MASK]], %{{.*}} : {{.*}}, vector<8xi1>, vector<8xf32>
// CHECK-NOT: vpdpbusd
// CHECK-NOT: vector<16xi32>
// CHECK: return
func.func @qk(%q: tensor<32x1x128xi8>, %kc: tensor<?x32x128xi8>, %qs: tensor<32x1x1xf32>, %ks: tensor<32x1x?xf32>) -> tensor<32x1x?xf32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x32x128xi8>
  %e = tensor.empty(%l) : tensor<32x?x128xi8>
  %t = linalg.transpose ins(%kc : tensor<?x32x128xi8>) outs(%e : tensor<32x?x128xi8>) permutation = [1, 0, 2]
  %r = quantc.matmul %q, %t : tensor<32x1x128xi8>, tensor<32x?x128xi8> -> tensor<32x1x?xi32>
  %y = quantc.rescale %r, %qs, %ks : (tensor<32x1x?xi32>, tensor<32x1x1xf32>, tensor<32x1x?xf32>) -> tensor<32x1x?xf32>
  return %y : tensor<32x1x?xf32>
}

// -----

// P.V: the V cache [L, H, D] as [H, K = L, N = D] (NN); a pass of 64
// columns (4 chunks of 16, 8 accumulators) per work unit; a whole pass
// loads W unmasked, the last partial one masked. Per pair of K rows: the
// rows' bytes interleaved (columns 0-7 and 8-15), sign-extended, against
// A's pair of values broadcast as one i32.
// CHECK-LABEL: func.func @pv
// CHECK: arith.ceildivui %{{.*}}, %c64
// CHECK-LABEL: func.func private @__quantc_x86_decode_gemm(
// CHECK-NOT: vector<64xi8>
// CHECK-NOT: vector<16xi32>
// CHECK: %[[WHOLE:.*]] = arith.cmpi sle
// CHECK: scf.if %[[WHOLE]]
// CHECK: scf.for {{.*}} step %c4{{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK: vector.load %arg0{{.*}} vector<4xi8>
// CHECK: arith.extsi %{{.*}} : vector<4xi8> to vector<4xi16>
// CHECK: vector.broadcast %{{.*}} : i32 to vector<8xi32>
// CHECK-NOT: vector.maskedload
// CHECK: vector.load %arg1
// CHECK: vector.load %arg1
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23] : vector<16xi8>, vector<16xi8>
// CHECK: quantc.x86.pmaddwd
// CHECK: memref.prefetch %arg1
// CHECK: } else {
// CHECK: vector.maskedload %arg1
// CHECK: vector.maskedstore %arg2{{.*}} vector<8xi1>, vector<8xi32>
func.func @pv(%p: tensor<32x1x?xi8>, %vc: tensor<?x32x100xi8>) -> tensor<32x1x100xi32> {
  %c0 = arith.constant 0 : index
  %l = tensor.dim %vc, %c0 : tensor<?x32x100xi8>
  %e = tensor.empty(%l) : tensor<32x100x?xi8>
  %t = linalg.transpose ins(%vc : tensor<?x32x100xi8>) outs(%e : tensor<32x100x?xi8>) permutation = [1, 2, 0]
  %r = quantc.matmul %p, %t : tensor<32x1x?xi8>, tensor<32x100x?xi8> -> tensor<32x1x100xi32>
  return %r : tensor<32x1x100xi32>
}

// -----

// Three rows of A: one chunk of 16 columns per pass (6 accumulators).
// CHECK-LABEL: func.func @pv3
// CHECK: arith.ceildivui %{{.*}}, %c16
// CHECK-LABEL: func.func private @__quantc_x86_decode_gemm(
// CHECK: scf.for {{.*}} step %c4{{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
func.func @pv3(%p: tensor<?x3x?xi8>, %v: tensor<?x?x?xi8>) -> tensor<?x3x?xi32> {
  %r = quantc.matmul %p, %v {transpose_rhs} : tensor<?x3x?xi8>, tensor<?x?x?xi8> -> tensor<?x3x?xi32>
  return %r : tensor<?x3x?xi32>
}
