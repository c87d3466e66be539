#!/usr/bin/env python3
"""Issue 16 item 2: the per-token dynamic quantization's share of a dynamic
W8A8 linear, with and without --quantc-x86-vectorize-elementwise.

  @quant   xs = absmax(x)/127 per row, xq = quantize(x, xs)        [M x K]
  @linear  the same, then quantc.matmul with a run-time int8 weight [N x K]
           and the rescale: y = (xq . w^T) * xs[m] * ws[n]

Both compiled by compile_cpu with --quantc-cpu-pipeline (cpu=host) and with
the same pipeline less the vectorize-elementwise pass (the scalar loops of
convert-linalg-to-loops, which LLVM may or may not vectorize), at LLVM -O3
and -O1 and -O0 (neither runs LLVM's loop vectorizer: the code is
then as fast as the lowering made it), checked bit-exact against each
other, timed best of 10 calls side by side:

  env PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 \\
    benchmarks/cpu/per_token.py [M [K [N]]]     (default 512 4096 4096)
"""
import os
import sys
import time

import numpy as np

import quantc
from pipelines import cpu_pipeline, without_vectorize_elementwise

M, K, N = (list(map(int, sys.argv[1:4])) + [512, 4096, 4096][len(sys.argv[1:4]):])
IR = f"""
func.func @quant(%x: tensor<{M}x{K}xf32>) -> (tensor<{M}x{K}xi8>, tensor<{M}x1xf32>) {{
  %xs = quantc.compute_scale %x {{dims = array<i64: 1>}} : tensor<{M}x{K}xf32> -> tensor<{M}x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<{M}x{K}xf32>, tensor<{M}x1xf32> -> tensor<{M}x{K}xi8>
  return %xq, %xs : tensor<{M}x{K}xi8>, tensor<{M}x1xf32>
}}
func.func @linear(%x: tensor<{M}x{K}xf32>, %w: tensor<{N}x{K}xi8>, %ws: tensor<1x{N}xf32>) -> tensor<{M}x{N}xf32> {{
  %xs = quantc.compute_scale %x {{dims = array<i64: 1>}} : tensor<{M}x{K}xf32> -> tensor<{M}x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<{M}x{K}xf32>, tensor<{M}x1xf32> -> tensor<{M}x{K}xi8>
  %acc = quantc.matmul %xq, %w : tensor<{M}x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{M}x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<{M}x{N}xi32>, tensor<{M}x1xf32>, tensor<1x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}"""


def best(f, n=10):
    f()
    b = 1e9
    for _ in range(n):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


rng = np.random.default_rng(16)
x = (rng.standard_normal((M, K)) * 2).astype(np.float32)
w = rng.integers(-127, 128, (N, K), dtype=np.int8)
ws = (0.001 * (1 + np.arange(N) % 7)).reshape(1, N).astype(np.float32)
vec = cpu_pipeline("host")
mods = {}
for level in (3, 1, 0):
    mods[f"vectorized -O{level}"] = quantc.compile_cpu(IR, vec, opt_level=level)
    mods[f"scalar     -O{level}"] = quantc.compile_cpu(
        IR, without_vectorize_elementwise(vec), opt_level=level)
ref = next(iter(mods))
q = {k: m.quant(x) for k, m in mods.items()}
y = {k: m.linear(x, w, ws) for k, m in mods.items()}
same = all(np.array_equal(q[k][0], q[ref][0])
           and np.array_equal(q[k][1], q[ref][1])
           and np.array_equal(y[k], y[ref]) for k in mods)
print(f"dynamic linear {M}x{N}x{K}, OMP_NUM_THREADS="
      f"{os.environ.get('OMP_NUM_THREADS', 'unset')}; "
      f"all variants equal bit for bit: {same}")
for k, m in mods.items():
    tq = best(lambda: m.quant(x))
    tl = best(lambda: m.linear(x, w, ws))
    print(f"{k}: quantization {tq * 1e3:7.3f} ms, linear {tl * 1e3:7.3f} ms "
          f"({2 * M * N * K / tl / 1e9:6.1f} GOPS), quantization share "
          f"{100 * tq / tl:4.1f} %")
if not same:
    sys.exit(1)
