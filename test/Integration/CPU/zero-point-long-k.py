# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""A QDQ GEMM with an activation zero point whose int32 sum can overflow:
(q - z) of i8 storage reaches 255, so 255 * 127 * K reaches 2^31 from K =
66,314 on. --quantc-fuse makes it an int8 GEMM (it stayed a float GEMM), and
--quantc-split-k splits the reduction into int32-safe chunks summed in int64
(at compile time for a static K, at run time for a dynamic one). K = 70000
and 3 with the worst-case values and random ones, static and dynamic K, on
every CPU code generator, bit-exact against NumPy's int64 sum rescaled
(quantc.reference.rescale of the int64 accumulator)."""
import numpy as np

import quantc
from quantc import reference as ref

rng = np.random.default_rng(70000)
M, N = 2, 3


def program(k):
    kt = "?" if k is None else str(k)
    return f"""
func.func @main(%xq: tensor<{M}x{kt}xi8>, %wq: tensor<{N}x{kt}xi8>) -> tensor<{M}x{N}xf32> {{
  %xs = arith.constant dense<0.5> : tensor<1x1xf32>
  %z = arith.constant dense<127> : tensor<1x1xi8>
  %ws = arith.constant dense<0.25> : tensor<{N}x1xf32>
  %x = quantc.dequantize %xq, %xs zero_point %z : tensor<{M}x{kt}xi8>, tensor<1x1xf32>, tensor<1x1xi8> -> tensor<{M}x{kt}xf32>
  %w = quantc.dequantize %wq, %ws : tensor<{N}x{kt}xi8>, tensor<{N}x1xf32> -> tensor<{N}x{kt}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<{M}x{kt}xf32>, tensor<{N}x{kt}xf32>) outs(%init : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}"""


failures = 0
for static in (True, False):
    for cpu in ("generic", "avx2", "vnni-emulated", "host"):
        progs = {}
        for k in (70000, 3):
            ir = program(k if static else None)
            if ir not in progs:
                out = quantc.run_pipeline(ir, "quantc-fuse")
                if "quantc.matmul" not in out:
                    failures += 1
                    print(f"FAIL K={k} static={static}: not fused to an int8 GEMM")
                progs[ir] = quantc.compile_cpu(ir, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
            mod = progs[ir]
            worst = (np.full((M, k), -128, np.int8), np.full((N, k), 127, np.int8))
            rand = (rng.integers(-128, 128, (M, k)).astype(np.int8),
                    rng.integers(-127, 128, (N, k)).astype(np.int8))
            for xq, wq in (worst, rand):
                acc = (xq.astype(np.int64) - 127) @ wq.astype(np.int64).T
                want = ref.rescale(acc, np.full((1, 1), 0.5, np.float32), np.full((1, N), 0.25, np.float32))
                got = mod.main(xq, wq)
                if not np.array_equal(got, want):
                    failures += 1
                    print(f"FAIL K={k} static={static} cpu={cpu}: {got.ravel()[:3]} vs "
                          f"{want.ravel()[:3]}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
