// RUN: quantc-opt %s --quantc-split-k -split-input-file -verify-diagnostics | FileCheck %s
// RUN: quantc-opt %s --quantc-split-k="max-chunk=1000" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=CHUNK

// A K known only at run time (a KV cache's length in P.V) is checked at run
// time: the GEMM and its epilogue as they were when K <= 131040 (the int32
// limit of i8 x i8, a multiple of 32), an scf.for over chunks summed in int64
// beyond.
// CHECK-LABEL: func.func @dynamic_k
// CHECK: %[[C1:.+]] = arith.constant 1 : index
// CHECK: %[[K:.+]] = tensor.dim %arg0, %[[C1]] : tensor<2x?xi8>
// CHECK: %[[LIM:.+]] = arith.constant 131040 : index
// CHECK: %[[FITS:.+]] = arith.cmpi ule, %[[K]], %[[LIM]] : index
// CHECK: %[[R:.+]] = scf.if %[[FITS]] -> (tensor<2x4xf32>) {
// CHECK:   %[[A:.+]] = quantc.matmul %arg0, %arg1 : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
// CHECK:   %[[Y:.+]] = quantc.rescale %[[A]], %{{.+}}, %{{.+}} : (tensor<2x4xi32>
// CHECK:   scf.yield %[[Y]]
// CHECK: } else {
// CHECK:   tensor.extract_slice %arg0[0, 0] [2, 131040] [1, 1] : tensor<2x?xi8> to tensor<2x131040xi8>
// CHECK:   tensor.extract_slice %arg1[0, 0] [4, 131040] [1, 1] : tensor<4x?xi8> to tensor<4x131040xi8>
// CHECK:   %[[A0:.+]] = quantc.matmul {{.*}} : tensor<2x131040xi8>, tensor<4x131040xi8> -> tensor<2x4xi32>
// CHECK:   %[[E0:.+]] = arith.extsi %[[A0]] : tensor<2x4xi32> to tensor<2x4xi64>
// CHECK:   %[[S:.+]] = scf.for %[[OFF:.+]] = %[[LIM]] to %[[K]] step %[[LIM]] iter_args(%[[ACC:.+]] = %[[E0]]) -> (tensor<2x4xi64>) {
// CHECK:     %[[REST:.+]] = arith.subi %[[K]], %[[OFF]] : index
// CHECK:     %[[SZ:.+]] = arith.minui %[[REST]], %[[LIM]] : index
// CHECK:     tensor.extract_slice %arg0[0, %[[OFF]]] [2, %[[SZ]]] [1, 1] : tensor<2x?xi8> to tensor<2x?xi8>
// CHECK:     tensor.extract_slice %arg1[0, %[[OFF]]] [4, %[[SZ]]] [1, 1] : tensor<4x?xi8> to tensor<4x?xi8>
// CHECK:     %[[P:.+]] = quantc.matmul {{.*}} : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
// CHECK:     %[[PE:.+]] = arith.extsi %[[P]] : tensor<2x4xi32> to tensor<2x4xi64>
// CHECK:     %[[SUM:.+]] = arith.addi %[[ACC]], %[[PE]] : tensor<2x4xi64>
// CHECK:     scf.yield %[[SUM]]
// CHECK:   }
// CHECK:   %[[YL:.+]] = quantc.rescale %[[S]], {{.*}} : (tensor<2x4xi64>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
// CHECK:   scf.yield %[[YL]]
// CHECK: }
// CHECK: return %[[R]]
// max-chunk=1000 lowers the limit to 960 (a multiple of 64).
// CHUNK-LABEL: func.func @dynamic_k
// CHUNK: arith.constant 960 : index
func.func @dynamic_k(%x: tensor<2x?xi8>, %w: tensor<4x?xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// K dynamic in the lhs only: the rhs's static K is the GEMM's, and the
// usual static split applies (the lhs is sliced at run time).
// CHECK-LABEL: func.func @static_in_rhs
// CHECK-NOT: scf.if
// CHECK: tensor.extract_slice %arg0[0, 0] [2, 131040] [1, 1] : tensor<2x?xi8> to tensor<2x131040xi8>
// CHECK: tensor.extract_slice %arg0[0, 131040] [2, 8960] [1, 1] : tensor<2x?xi8> to tensor<2x8960xi8>
// CHECK: arith.addi {{.*}} : tensor<2x4xi64>
func.func @static_in_rhs(%x: tensor<2x?xi8>, %w: tensor<4x140000xi8>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x?xi8>, tensor<4x140000xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A K the IR bounds (at most 2048 rows of a static cache) needs no check; a
// slice's size alone bounds nothing (the value-bounds analysis does not
// assume it in bounds).
// CHECK-LABEL: func.func @bounded
// CHECK-NOT: scf.if
// CHECK: quantc.matmul
// CHECK-NOT: arith.extsi
// CHUNK-LABEL: func.func @bounded
// CHUNK: scf.if
func.func @bounded(%p: tensor<2x2048xi8>, %v: tensor<4x2048xi8>, %len: index) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %n = affine.min affine_map<(d0) -> (d0, 2048)>(%len)
  %ps = tensor.extract_slice %p[0, 0] [2, %n] [1, 1] : tensor<2x2048xi8> to tensor<2x?xi8>
  %vs = tensor.extract_slice %v[0, 0] [4, %n] [1, 1] : tensor<4x2048xi8> to tensor<4x?xi8>
  %acc = quantc.matmul %ps, %vs : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Two epilogues: each gets its own check (and its own copy of the GEMM).
// CHECK-LABEL: func.func @two_rescales
// CHECK-COUNT-2: scf.if
// CHECK-NOT: scf.if
func.func @two_rescales(%x: tensor<2x?xi8>, %w: tensor<4x?xi8>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %t = arith.constant dense<2.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  %z = quantc.rescale %acc, %t, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y, %z : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// An int32 result used as such cannot take an int64 sum: a warning names the
// limit, and the GEMM is left whole.
// CHECK-LABEL: func.func @raw_i32
// CHECK-NOT: scf.if
func.func @raw_i32(%x: tensor<2x?xi8>, %w: tensor<4x?xi8>) -> tensor<2x4xi32> {
  // expected-warning @below {{the reduction size is known only at run time, and the int32 accumulator can overflow beyond K = 131040; its result is used by 'func.return'}}
  %acc = quantc.matmul %x, %w : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
  return %acc : tensor<2x4xi32>
}

// -----

// i4 x i4 operands overflow beyond K = 33554400 ((2^31 - 1) / 64, a multiple of 32): still checked (the
// bound is the analysis', whatever the storage).
// CHECK-LABEL: func.func @narrow
// CHECK: arith.constant 33554400 : index
func.func @narrow(%x: tensor<2x?xi4>, %w: tensor<4x?xi4>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x?xi4>, tensor<4x?xi4> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Decode P.V over a KV cache [L, H, D] read through a transpose to [H, D, L]
// (the kernels read it in place): the chunks slice the cache and transpose
// the slice, so the original transpose keeps one user, the GEMM of the first
// branch, and is never materialized.
// CHECK-LABEL: func.func @kv_cache
// CHECK: %[[T:.+]] = linalg.transpose ins(%arg1 : tensor<?x16x64xi8>)
// CHECK: %[[K:.+]] = tensor.dim %arg0, %c2 : tensor<16x1x?xi8>
// CHECK: scf.if
// CHECK:   quantc.matmul %arg0, %[[T]]
// CHECK: } else {
// CHECK-NOT: %[[T]]{{[ ,:)]}}
// CHECK:   %[[S0:.+]] = tensor.extract_slice %arg1[0, 0, 0] [131040, 16, 64] [1, 1, 1]
// CHECK:   linalg.transpose ins(%[[S0]] : tensor<131040x16x64xi8>) outs(%{{.+}} : tensor<16x64x131040xi8>) permutation = [1, 2, 0]
// CHECK:   scf.for
// CHECK:     %[[S:.+]] = tensor.extract_slice %arg1[%{{.+}}, 0, 0] [%{{.+}}, 16, 64] [1, 1, 1]
// CHECK:     linalg.transpose ins(%[[S]] : tensor<?x16x64xi8>) outs(%{{.+}} : tensor<16x64x?xi8>) permutation = [1, 2, 0]
// CHECK-NOT: %[[T]]{{[ ,:)]}}
// CHECK: return
func.func @kv_cache(%p: tensor<16x1x?xi8>, %vc: tensor<?x16x64xi8>) -> tensor<16x1x64xf32> {
  %c0 = arith.constant 0 : index
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %l = tensor.dim %vc, %c0 : tensor<?x16x64xi8>
  %e = tensor.empty(%l) : tensor<16x64x?xi8>
  %t = linalg.transpose ins(%vc : tensor<?x16x64xi8>) outs(%e : tensor<16x64x?xi8>) permutation = [1, 2, 0]
  %acc = quantc.matmul %p, %t : tensor<16x1x?xi8>, tensor<16x64x?xi8> -> tensor<16x1x64xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<16x1x64xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<16x1x64xf32>
  return %y : tensor<16x1x64xf32>
}

// -----

// A zero point known only at run time may be any value of the storage type:
// |x - zx| <= 255, so the limit is 65792 ((2^31 - 1) / (255 * 128), a
// multiple of 32), not 131040.
// CHECK-LABEL: func.func @zero_point
// CHECK: arith.constant 65792 : index
func.func @zero_point(%x: tensor<2x?xi8>, %w: tensor<4x?xi8>, %zx: tensor<2x1xi32>) -> tensor<2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<2x1xi32>) : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// 0 rows: nothing to check or slice (a slice at offset 0 of the 0-size
// dimension was invalid IR).
// CHECK-LABEL: func.func @empty_rows
// CHECK-NOT: scf.if
// CHECK: quantc.matmul %arg0, %arg1 : tensor<0x?xi8>, tensor<4x?xi8> -> tensor<0x4xi32>
func.func @empty_rows(%x: tensor<0x?xi8>, %w: tensor<4x?xi8>) -> tensor<0x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<0x?xi8>, tensor<4x?xi8> -> tensor<0x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<0x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<0x4xf32>
  return %y : tensor<0x4xf32>
}

// -----

// A rescale in a loop body: the check and the GEMM stay where the GEMM was
// (one GEMM, its int64 accumulator read by the loop's rescale). Before, the
// scf.if with the GEMM moved into the loop body: one GEMM per iteration.
// CHECK-LABEL: func.func @rescale_in_loop
// CHECK: %[[ACC:.+]] = scf.if %{{.+}} -> (tensor<2x4xi64>) {
// CHECK:   %[[A:.+]] = quantc.matmul %arg0, %arg1 : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
// CHECK:   %[[W:.+]] = arith.extsi %[[A]] : tensor<2x4xi32> to tensor<2x4xi64>
// CHECK:   scf.yield %[[W]]
// CHECK: } else {
// CHECK:   scf.for
// CHECK: }
// CHECK: scf.for
// CHECK-NOT: quantc.matmul
// CHECK:   quantc.rescale %[[ACC]], {{.*}} residual
// CHECK-NOT: quantc.matmul
// CHECK: return
func.func @rescale_in_loop(%x: tensor<2x?xi8>, %w: tensor<4x?xi8>, %n: index, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<2x?xi8>, tensor<4x?xi8> -> tensor<2x4xi32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %init) -> tensor<2x4xf32> {
    %y = quantc.rescale %acc, %s, %s residual %a : (tensor<2x4xi32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    scf.yield %y : tensor<2x4xf32>
  }
  return %r : tensor<2x4xf32>
}
