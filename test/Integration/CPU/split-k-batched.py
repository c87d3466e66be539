# A rank-3 activation times a broadcast 2-D weight over a K known only at run
# time: --quantc-split-k slices K of the [B, M, K] lhs, and the x86 kernels
# collapse the sliced batch into the rows of one GEMM. The collapsed slice
# keeps its columns (the chunk of K): before, it took the source's whole K
# and the pipeline failed with invalid IR ("expected type to be
# 'tensor<6x?xi8>' ... (size mismatch)"). Checked against NumPy's exact sums
# on every CPU code generator, below and above the int32 limit (131040), and
# for a K slice written by hand.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import numpy as np

import quantc

rng = np.random.default_rng(5)
CPUS = ("generic", "avx2", "vnni-emulated", "host")

DYN = """
func.func @main(%x: tensor<3x2x?xi8>, %w: tensor<4x?xi8>) -> tensor<3x2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<3x2x?xi8>, tensor<4x?xi8> -> tensor<3x2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<3x2x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<3x2x4xf32>
  return %y : tensor<3x2x4xf32>
}"""

SLICE = """
func.func @main(%x: tensor<3x2x?xi8>, %w: tensor<4x?xi8>, %off: index, %sz: index) -> tensor<3x2x4xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1x1xf32>
  %x1 = tensor.extract_slice %x[0, 0, %off] [3, 2, %sz] [1, 1, 1] : tensor<3x2x?xi8> to tensor<3x2x?xi8>
  %w1 = tensor.extract_slice %w[0, %off] [4, %sz] [1, 1] : tensor<4x?xi8> to tensor<4x?xi8>
  %acc = quantc.matmul %x1, %w1 : tensor<3x2x?xi8>, tensor<4x?xi8> -> tensor<3x2x4xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<3x2x4xi32>, tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<3x2x4xf32>
  return %y : tensor<3x2x4xf32>
}"""


def reference(x, w):
    return np.einsum("bnk,dk->bnd", x.astype(np.int64),
                     w.astype(np.int64)).astype(np.float32)


failures = 0
for cpu in CPUS:
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu}}}"
    mod = quantc.compile_cpu(DYN, pipeline=pipeline)
    for k in (5, 140000):
        x = np.full((3, 2, k), 127, np.int8)
        w = np.full((4, k), 127, np.int8)
        w[1] = -128
        x[0, 1] = rng.integers(-128, 128, k)
        got = mod.main(x, w)
        if not np.array_equal(got, reference(x, w)):
            failures += 1
            print(f"FAIL dynamic K={k} cpu={cpu}")
    mod = quantc.compile_cpu(SLICE, pipeline=pipeline)
    x = rng.integers(-128, 128, (3, 2, 100)).astype(np.int8)
    w = rng.integers(-128, 128, (4, 100)).astype(np.int8)
    for off, sz in ((0, 100), (10, 50), (64, 36)):
        got = mod.main(x, w, np.int64(off), np.int64(sz))
        want = reference(x[:, :, off:off + sz], w[:, off:off + sz])
        if not np.array_equal(got, want):
            failures += 1
            print(f"FAIL slice [{off}, {off + sz}) cpu={cpu}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
