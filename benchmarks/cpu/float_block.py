#!/usr/bin/env python3
"""The issue-19 float block through compile_cpu: 64 tokens, LayerNorm (no
affine) -> [384 x 1024] -> GELU (erf) -> [1024 x 384], weights as arguments;
and the README's example MLP in float (examples/mlp.mlir, @mlp_f32: 4 x 16
-> 32 -> ReLU -> 8). Each is timed side by side with the same computation in
NumPy (its BLAS: OpenBLAS when libopenblas0-pthread is installed; the script
prints the BLAS library NumPy loaded), best of 20 calls, and the ratio
quantc / NumPy printed (issue 19's goal: <= 1.5). GELU's erf in NumPy:
torch.special.erf on the same buffer when torch is installed (one vectorized
pass, as scipy.special.erf would be), else a NumPy polynomial.
Pipelines are given on the command line (default: quantc-cpu-pipeline;
"scalar-elementwise": cpu=host less --quantc-x86-vectorize-elementwise), e.g.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=build/python \
    OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/cpu/float_block.py \
    "quantc-cpu-pipeline{cpu=host}" scalar-elementwise
OMP_NUM_THREADS sets the threads of both quantc's kernels and OpenBLAS.
"""
import ast
import math
import os
import re
import sys
import time

import numpy as np

import quantc
from pipelines import cpu_pipeline, without_vectorize_elementwise

T, D, H = 64, 384, 1024
def tt(s): return "tensor<" + "x".join(map(str, s)) + "xf32>"
x_t, w1_t, w2_t, h_t, r_t = tt((T, D)), tt((D, H)), tt((H, D)), tt((T, H)), tt((T,))
red = 'indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]'
par2 = 'indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]'
ir = f"""
func.func @main(%x: {x_t}, %w1: {w1_t}, %w2: {w2_t}) -> {x_t} {{
  %zero = arith.constant 0.0 : f32
  %nf = arith.constant {float(D)} : f32
  %eps = arith.constant 1.0e-5 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %rsqrt2 = arith.constant 0.70710678 : f32
  %er = tensor.empty() : {r_t}
  %ex = tensor.empty() : {x_t}
  %s0 = linalg.fill ins(%zero : f32) outs(%er : {r_t}) -> {r_t}
  %sum = linalg.generic {{{red}}} ins(%x : {x_t}) outs(%s0 : {r_t}) {{
  ^bb0(%a: f32, %acc: f32):
    %v = arith.addf %a, %acc : f32
    linalg.yield %v : f32
  }} -> {r_t}
  %xc = linalg.generic {{{par2}}} ins(%x, %sum : {x_t}, {r_t}) outs(%ex : {x_t}) {{
  ^bb0(%a: f32, %b: f32, %o: f32):
    %mean = arith.divf %b, %nf : f32
    %v = arith.subf %a, %mean : f32
    linalg.yield %v : f32
  }} -> {x_t}
  %ss = linalg.generic {{{red}}} ins(%xc : {x_t}) outs(%s0 : {r_t}) {{
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %v = arith.addf %sq, %acc : f32
    linalg.yield %v : f32
  }} -> {r_t}
  %ln = linalg.generic {{{par2}}} ins(%xc, %ss : {x_t}, {r_t}) outs(%ex : {x_t}) {{
  ^bb0(%a: f32, %b: f32, %o: f32):
    %var = arith.divf %b, %nf : f32
    %ve = arith.addf %var, %eps : f32
    %rs = math.rsqrt %ve : f32
    %v = arith.mulf %a, %rs : f32
    linalg.yield %v : f32
  }} -> {x_t}
  %eh = tensor.empty() : {h_t}
  %fh = linalg.fill ins(%zero : f32) outs(%eh : {h_t}) -> {h_t}
  %h = linalg.matmul ins(%ln, %w1 : {x_t}, {w1_t}) outs(%fh : {h_t}) -> {h_t}
  %g = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}} ins(%h : {h_t}) outs(%eh : {h_t}) {{
  ^bb0(%a: f32, %o: f32):
    %u = arith.mulf %a, %rsqrt2 : f32
    %e = math.erf %u : f32
    %p = arith.addf %e, %one : f32
    %hh = arith.mulf %a, %half : f32
    %v = arith.mulf %hh, %p : f32
    linalg.yield %v : f32
  }} -> {h_t}
  %fy = linalg.fill ins(%zero : f32) outs(%ex : {x_t}) -> {x_t}
  %y = linalg.matmul ins(%g, %w2 : {h_t}, {w2_t}) outs(%fy : {x_t}) -> {x_t}
  return %y : {x_t}
}}"""
rng = np.random.default_rng(0)
x = rng.standard_normal((T, D)).astype(np.float32)
w1 = (rng.standard_normal((D, H)) / 20).astype(np.float32)
w2 = (rng.standard_normal((H, D)) / 30).astype(np.float32)


def best(f, n=20):
    f()
    b = 1e9
    for _ in range(n):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


try:
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

    def erf(a):
        return torch.special.erf(torch.from_numpy(a)).numpy()
    erf_name = "torch.special.erf"
except ImportError:
    def erf(a):
        # Abramowitz-Stegun 7.1.26 (|error| <= 1.5e-7).
        t = 1 / (1 + 0.3275911 * np.abs(a))
        p = t * (0.254829592 + t * (-0.284496736 + t * (
            1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        return np.sign(a) * (1 - p * np.exp(-a * a))
    erf_name = "NumPy polynomial"


def numpy_block(x, w1, w2):
    xc = x - x.mean(1, keepdims=True)
    ln = xc / np.sqrt((xc * xc).mean(1, keepdims=True) + np.float32(1e-5))
    h = ln @ w1
    g = np.float32(0.5) * h * (1 + erf(h * np.float32(0.70710678)))
    return g @ w2


def mlp_f32():
    """@mlp_f32 of examples/mlp.mlir and its weights."""
    path = os.path.join(os.path.dirname(__file__), "../../examples/mlp.mlir")
    text = open(path).read()
    start = text.index("func.func @mlp_f32")
    fn = text[start:text.index("\n}\n", start) + 3]
    consts = {}
    for name in ("w1", "b1", "w2", "b2"):
        m = re.search(r"%" + name + r" = arith.constant dense<(.+?)> : tensor", fn)
        consts[name] = np.array(ast.literal_eval(m.group(1)), np.float32)
    return fn, consts


def blas_library():
    """The BLAS NumPy loaded (libblas.so.3 is an alternatives link)."""
    libs = {os.path.realpath(line.split()[-1])
            for line in open("/proc/self/maps") if "blas" in line}
    named = sorted(p for p in libs if "libblas" in os.path.basename(p)
                   or "libopenblas" in os.path.basename(p))
    return ", ".join(named) or "unknown"


pipes = sys.argv[1:] or ["quantc-cpu-pipeline"]
aliases = {"scalar-elementwise": lambda: without_vectorize_elementwise(
    cpu_pipeline("host"))}
compiled = {p: aliases[p]() if p in aliases else p for p in pipes}
threads = os.environ.get("OMP_NUM_THREADS", "unset")
t_np = best(lambda: numpy_block(x, w1, w2))
want = numpy_block(x.astype(np.float64), w1.astype(np.float64),
                   w2.astype(np.float64))
print(f"NumPy {np.__version__} BLAS {blas_library()}, erf {erf_name}, "
      f"OMP_NUM_THREADS={threads}")
print(f"block {T}x{D}->{H}->{D}: NumPy {t_np * 1e3:.3f} ms")
for pipe in pipes:
    mod = quantc.compile_cpu(ir, compiled[pipe])
    got = mod.main(x, w1, w2)
    err = (np.abs(got - want) / np.maximum(np.abs(want), 1)).max()
    t = best(lambda: mod.main(x, w1, w2))
    print(f"block {pipe}: {t * 1e3:.3f} ms, {t / t_np:.2f}x NumPy "
          f"(max error vs float64 {err:.1e})")

fn, c = mlp_f32()
xm = rng.standard_normal((4, 16)).astype(np.float32)


def numpy_mlp(x):
    return np.maximum(x @ c["w1"].T + c["b1"], 0) @ c["w2"].T + c["b2"]


t_np = best(lambda: numpy_mlp(xm), 200)
print(f"example MLP f32 4x16->32->8: NumPy {t_np * 1e6:.1f} us")
# The cost of one call of a compiled function from Python (a function that
# only fills its 4x8 result), included in the MLP's time.
empty = quantc.compile_cpu("""
func.func @f(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %z = arith.constant 0.0 : f32
  %r = linalg.fill ins(%z : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}""")
t_call = best(lambda: empty.f(xm), 200)
print(f"one call from Python of a compiled function that only fills its "
      f"result: {t_call * 1e6:.1f} us")
# The same with two tensor arguments (issue 19's call-path goal: < 3 us).
empty2 = quantc.compile_cpu("""
func.func @f(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %z = arith.constant 0.0 : f32
  %r = linalg.fill ins(%z : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}""")
t_call2 = best(lambda: empty2.f(xm, xm), 200)
print(f"the same with 2 tensor arguments: {t_call2 * 1e6:.1f} us")
for pipe in pipes:
    mod = quantc.compile_cpu(fn, compiled[pipe])
    err = np.abs(mod.mlp_f32(xm) - numpy_mlp(xm)).max()
    t = best(lambda: mod.mlp_f32(xm), 200)
    print(f"example MLP {pipe}: {t * 1e6:.1f} us, {t / t_np:.2f}x NumPy "
          f"(max abs difference {err:.1e})")
