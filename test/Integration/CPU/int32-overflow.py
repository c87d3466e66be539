# An int32 overflow the analysis proves possible never wraps (issue 14 item
# 3): the CPU pipeline splits K into int32-safe chunks summed exactly in
# int64 (--quantc-split-k). Operands quantized to [-127, 127] overflow from
# K = 133,145 on (133,144 * 127 * 127 < 2^31 <= 133,145 * 127 * 127); the
# test runs K just below and just above that limit with the worst-case values
# and random ones, on every CPU code generator, against NumPy's exact sums.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import numpy as np

import quantc

rng = np.random.default_rng(3)
M, N = 2, 3


def program(k):
    return f"""
func.func @main(%x: tensor<{M}x{k}xf32>, %w: tensor<{N}x{k}xf32>) -> tensor<{M}x{N}xf32> {{
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %xq = quantc.quantize %x, %s : tensor<{M}x{k}xf32>, tensor<1x1xf32> -> tensor<{M}x{k}xi8>
  %wq = quantc.quantize %w, %s : tensor<{N}x{k}xf32>, tensor<1x1xf32> -> tensor<{N}x{k}xi8>
  %acc = quantc.matmul %xq, %wq : tensor<{M}x{k}xi8>, tensor<{N}x{k}xi8> -> tensor<{M}x{N}xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<{M}x{N}xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}"""


failures = 0
for k in (133144, 133145):
    ir = program(k)
    # The analysis' verdict, as --quantc-verify-gemm reports it.
    _, diags = quantc.run_pipeline(ir, "quantc-verify-gemm{mode=warn}",
                                   return_diagnostics=True)
    overflows = "can overflow" in diags
    if overflows != (k > 133144):
        failures += 1
        print(f"FAIL K={k}: the analysis says overflow={overflows}")
    worst = np.full((M, k), 127, np.float32), np.full((N, k), 127, np.float32)
    worst[0][1] *= -1
    rand = (rng.integers(-127, 128, (M, k)).astype(np.float32),
            rng.integers(-127, 128, (N, k)).astype(np.float32))
    for cpu in ("generic", "avx2", "vnni-emulated", "host"):
        mod = quantc.compile_cpu(ir, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
        for x, w in (worst, rand):
            want = (x.astype(np.int64) @ w.astype(np.int64).T).astype(np.float32)
            got = mod.main(x, w)
            if not np.array_equal(got, want):
                failures += 1
                print(f"FAIL K={k} cpu={cpu}: {got.ravel()[:3]} vs {want.ravel()[:3]}")

DYN = """
func.func @main(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %xq = quantc.quantize %x, %s : tensor<?x?xf32>, tensor<1x1xf32> -> tensor<?x?xi8>
  %wq = quantc.quantize %w, %s : tensor<?x?xf32>, tensor<1x1xf32> -> tensor<?x?xi8>
  %acc = quantc.matmul %xq, %wq : tensor<?x?xi8>, tensor<?x?xi8> -> tensor<?x?xi32>
  %y = quantc.rescale %acc, %s, %s : (tensor<?x?xi32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}"""
for cpu in ("generic", "avx2", "vnni-emulated", "host"):
    mod = quantc.compile_cpu(DYN, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
    for k in (1, 133144, 133145, 300001):
        x = np.full((M, k), 127, np.float32)
        w = np.full((N, k), 127, np.float32)
        x[1] = rng.integers(-127, 128, k)
        w[2] = -127
        want = (x.astype(np.int64) @ w.astype(np.int64).T).astype(np.float32)
        got = mod.main(x, w)
        if not np.array_equal(got, want):
            failures += 1
            print(f"FAIL dynamic K={k} cpu={cpu}: {got.ravel()} vs {want.ravel()}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
