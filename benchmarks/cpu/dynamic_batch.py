#!/usr/bin/env python3
"""Issue 16 item 1: a linear layer over a batch of dynamic size, the 2-D
weight broadcast over it, against the same layer of static shape.

  @dynamic  [B, ?, K] int8 x [N, K] int8 (a run-time weight argument) -> i32:
            B x M collapsed into the run-time M of one 2-D GEMM, run in
            chunks of vnni-dynamic-m-chunk rows
  @static   [B, M, K] x [N, K] -> i32: one 2-D GEMM of B * M static rows

Both compiled by compile_cpu with --quantc-cpu-pipeline (cpu=host, default
options) in one module, checked bit-exact against each other, timed best of
`reps` calls each, interleaved, in the same process:

  env PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 \\
    benchmarks/cpu/dynamic_batch.py [B [M [K [N [reps]]]]]
                                            (default 4 128 4096 4096 10)
"""
import os
import sys
import time

import numpy as np

import quantc

B, M, K, N, REPS = (list(map(int, sys.argv[1:6])) +
                    [4, 128, 4096, 4096, 10][len(sys.argv[1:6]):])
IR = f"""
func.func @dynamic(%x: tensor<{B}x?x{K}xi8>, %w: tensor<{N}x{K}xi8>) -> tensor<{B}x?x{N}xi32> {{
  %acc = quantc.matmul %x, %w : tensor<{B}x?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{B}x?x{N}xi32>
  return %acc : tensor<{B}x?x{N}xi32>
}}
func.func @static(%x: tensor<{B}x{M}x{K}xi8>, %w: tensor<{N}x{K}xi8>) -> tensor<{B}x{M}x{N}xi32> {{
  %acc = quantc.matmul %x, %w : tensor<{B}x{M}x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{B}x{M}x{N}xi32>
  return %acc : tensor<{B}x{M}x{N}xi32>
}}"""


def best_pair(f, g, *args):
    """The best of REPS calls of each, the calls interleaved (f, g, f, ...)
    so that a busy spell of a shared machine slows both."""
    f(*args)
    g(*args)
    tf, tg = [], []
    for _ in range(REPS):
        for fn, ts in ((f, tf), (g, tg)):
            t0 = time.perf_counter()
            fn(*args)
            ts.append(time.perf_counter() - t0)
    return min(tf), min(tg)


def main():
    pipeline = "quantc-cpu-pipeline{cpu=host}"
    out, diags = quantc.run_pipeline(IR, pipeline, return_diagnostics=True)
    if "reference lowering" in diags:
        raise SystemExit(f"not on the kernels: {diags}")
    mod = quantc.compile_cpu(IR, pipeline)
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (B, M, K)).astype(np.int8)
    w = rng.integers(-128, 128, (N, K)).astype(np.int8)
    yd, ys = mod.dynamic(x, w), mod.static(x, w)
    if not np.array_equal(yd, ys):
        raise SystemExit("dynamic and static results differ")
    ops = 2.0 * B * M * N * K
    td, ts = best_pair(mod.dynamic, mod.static, x, w)
    print(f"B={B} M={M} K={K} N={N} threads="
          f"{os.environ.get('OMP_NUM_THREADS', '-')} (bit-exact)")
    print(f"dynamic [{B},?,{K}]: {td * 1e3:.2f} ms {ops / td / 1e9:.1f} GOPS")
    print(f"static  [{B},{M},{K}]: {ts * 1e3:.2f} ms {ops / ts / 1e9:.1f} GOPS")
    print(f"ratio dynamic/static time: {td / ts:.3f}")


if __name__ == "__main__":
    main()
