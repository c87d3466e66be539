# ReLU on tensors, GELU spelled x / sqrt(2), SiLU written with arith/math ops
# on tensors and tanh GELU as PyTorch's frontend spells it fuse into the
# epilogue (--quantc-fuse) and keep their numbers: ReLU bit-exact against
# NumPy, the others within float tolerance of a float64 NumPy evaluation, on
# every CPU code generator.
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import math

import numpy as np

import quantc
from qtest import dense_shaped
from quantc import reference as ref

rng = np.random.default_rng(17)
M, K, N = 6, 40, 24
wq = rng.integers(-127, 128, (N, K), dtype=np.int8)
xs = rng.uniform(0.01, 0.02, (M, 1)).astype(np.float32)
ws = rng.uniform(0.001, 0.002, (1, N)).astype(np.float32)
HEAD = f"""
  %w = arith.constant {dense_shaped(wq)}
  %xs = arith.constant {dense_shaped(xs)}
  %ws = arith.constant {dense_shaped(ws)}
  %acc = quantc.matmul %x, %w : tensor<{M}x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{M}x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<{M}x{N}xi32>, tensor<{M}x1xf32>, tensor<1x{N}xf32>) -> tensor<{M}x{N}xf32>
"""
IR = f"""
func.func @relu(%x: tensor<{M}x{K}xi8>) -> tensor<{M}x{N}xf32> {{
{HEAD}
  %z = arith.constant dense<0.0> : tensor<{M}x{N}xf32>
  %r = arith.maximumf %y, %z : tensor<{M}x{N}xf32>
  return %r : tensor<{M}x{N}xf32>
}}
func.func @gelu(%x: tensor<{M}x{K}xi8>) -> tensor<{M}x{N}xf32> {{
{HEAD}
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %g = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%y : tensor<{M}x{N}xf32>) outs(%e : tensor<{M}x{N}xf32>) {{
  ^bb0(%t: f32, %o: f32):
    %sq = arith.constant 1.41421356 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %d = arith.divf %t, %sq : f32
    %er = math.erf %d : f32
    %p = arith.addf %er, %one : f32
    %ht = arith.mulf %t, %h : f32
    %r = arith.mulf %ht, %p : f32
    linalg.yield %r : f32
  }} -> tensor<{M}x{N}xf32>
  return %g : tensor<{M}x{N}xf32>
}}
func.func @silu(%x: tensor<{M}x{K}xi8>) -> tensor<{M}x{N}xf32> {{
{HEAD}
  %ones = arith.constant dense<1.0> : tensor<{M}x{N}xf32>
  %n = arith.negf %y : tensor<{M}x{N}xf32>
  %ex = math.exp %n : tensor<{M}x{N}xf32>
  %d = arith.addf %ones, %ex : tensor<{M}x{N}xf32>
  %s = arith.divf %ones, %d : tensor<{M}x{N}xf32>
  %r = arith.mulf %y, %s : tensor<{M}x{N}xf32>
  return %r : tensor<{M}x{N}xf32>
}}
func.func @gelu_tanh(%x: tensor<{M}x{K}xi8>) -> tensor<{M}x{N}xf32> {{
{HEAD}
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %g = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%y : tensor<{M}x{N}xf32>) outs(%e : tensor<{M}x{N}xf32>) {{
  ^bb0(%t: f32, %o: f32):
    %a = arith.constant 0.044715 : f32
    %c = arith.constant 0.797884583 : f32
    %h = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %t2 = arith.mulf %t, %t : f32
    %t3 = arith.mulf %t2, %t : f32
    %a3 = arith.mulf %t3, %a : f32
    %in = arith.addf %t, %a3 : f32
    %u = arith.mulf %in, %c : f32
    %th = math.tanh %u : f32
    %p = arith.addf %one, %th : f32
    %ht = arith.mulf %h, %t : f32
    %r = arith.mulf %ht, %p : f32
    linalg.yield %r : f32
  }} -> tensor<{M}x{N}xf32>
  return %g : tensor<{M}x{N}xf32>
}}
"""
fused = quantc.run_pipeline(IR, "quantc-fuse")
assert fused.count("activation = #quantc.activation<relu>") == 1, fused
assert fused.count("activation = #quantc.activation<gelu>") == 1, fused
assert fused.count("activation = #quantc.activation<silu>") == 1, fused
assert fused.count("activation = #quantc.activation<gelu_tanh>") == 1, fused
for op in ("math.erf", "arith.maximumf", "math.exp", "math.tanh"):
    assert op not in fused, fused

x = rng.integers(-128, 128, (M, K), dtype=np.int8)
acc = ref.int_matmul(x, wq)
want_relu = ref.rescale(acc, xs, ws, activation="relu")
pre = ref.rescale(acc, xs, ws).astype(np.float64)
want_gelu = 0.5 * pre * (1 + np.vectorize(math.erf)(pre / math.sqrt(2)))
want_silu = pre / (1 + np.exp(-pre))
want_gelu_tanh = 0.5 * pre * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                          (pre + 0.044715 * pre ** 3)))
failures = 0
for cpu in ("generic", "avx2", "vnni-emulated", "host"):
    mod = quantc.compile_cpu(IR, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
    got = mod.relu(x)
    if not np.array_equal(got, want_relu):
        failures += 1
        print(f"FAIL relu cpu={cpu}: max error {np.abs(got - want_relu).max()}")
    got = mod.gelu(x)
    if not np.allclose(got, want_gelu, rtol=1e-5, atol=1e-6):
        failures += 1
        print(f"FAIL gelu cpu={cpu}: max error {np.abs(got - want_gelu).max()}")
    for name, want in (("silu", want_silu), ("gelu_tanh", want_gelu_tanh)):
        got = getattr(mod, name)(x)
        if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            failures += 1
            print(f"FAIL {name} cpu={cpu}: max error {np.abs(got - want).max()}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
