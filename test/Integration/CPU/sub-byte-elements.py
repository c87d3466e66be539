# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Tensors of i4 and i1 elements (a constant i4 weight, a boolean mask) on
every x86 code generator. A buffer holds one byte per such element; the
elementwise vectorizer leaves them to scalar loops (a vector of them would
be read bit-packed: half the i4 values and most i1 values came out wrong).
Exact against NumPy: the dequantization of a non-splat i4 constant (x 0.5,
exact in f32), a select by a non-splat i1 constant, and an int8 x i4 GEMM
(int32 result) that the VNNI kernels leave to the reference lowering."""
import numpy as np

import quantc

rng = np.random.default_rng(4)
failures = 0


def dense(a, fmt):
    rows = ", ".join("[" + ", ".join(fmt(v) for v in r) + "]" for r in a)
    return f"dense<[{rows}]>"


q = rng.integers(-8, 8, size=(3, 37))
m = rng.integers(0, 2, size=(3, 37)).astype(bool)
w = rng.integers(-8, 8, size=(21, 40))
ir = f"""
func.func @deq() -> tensor<3x37xf32> {{
  %q = arith.constant {dense(q, str)} : tensor<3x37xi4>
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %d = quantc.dequantize %q, %s : tensor<3x37xi4>, tensor<1x1xf32> -> tensor<3x37xf32>
  return %d : tensor<3x37xf32>
}}
func.func @sel(%x: tensor<3x37xf32>) -> tensor<3x37xf32> {{
  %m = arith.constant {dense(m, lambda v: "true" if v else "false")} : tensor<3x37xi1>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x37xf32>
  %r = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}} ins(%m, %x : tensor<3x37xi1>, tensor<3x37xf32>) outs(%e : tensor<3x37xf32>) {{
  ^bb0(%b: i1, %v: f32, %o: f32):
    %y = arith.select %b, %v, %z : f32
    linalg.yield %y : f32
  }} -> tensor<3x37xf32>
  return %r : tensor<3x37xf32>
}}
func.func @gemm(%x: tensor<5x40xi8>) -> tensor<5x21xi32> {{
  %w = arith.constant {dense(w, str)} : tensor<21x40xi4>
  %a = quantc.matmul %x, %w : tensor<5x40xi8>, tensor<21x40xi4> -> tensor<5x21xi32>
  return %a : tensor<5x21xi32>
}}
"""
x = rng.standard_normal((3, 37)).astype(np.float32)
xi = rng.integers(-128, 128, size=(5, 40)).astype(np.int8)
for cpu in ("host", "vnni-emulated", "avx2", "generic"):
    mod = quantc.compile_cpu(ir, f"quantc-cpu-pipeline{{cpu={cpu}}}")
    checks = [
        ("dequantize i4", mod.deq(), (q * 0.5).astype(np.float32)),
        ("select by i1", mod.sel(x), np.where(m, x, np.float32(0))),
        ("int8 x i4 gemm", mod.gemm(xi), xi.astype(np.int32) @ w.T.astype(np.int32)),
    ]
    for name, got, want in checks:
        ok = got.dtype == want.dtype and np.array_equal(got, want)
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'}: cpu={cpu} {name}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
