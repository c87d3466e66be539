#!/usr/bin/env python3
"""The issue-19 float block through compile_cpu: 64 tokens, LayerNorm (no
affine) -> [384 x 1024] -> GELU (erf) -> [1024 x 384], weights as arguments.
Prints the best of 20 calls for each pipeline given on the command line, e.g.
  PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 \
    benchmarks/cpu/float_block.py "quantc-cpu-pipeline{cpu=generic}" \
    "quantc-cpu-pipeline{cpu=host}"
"""
import sys
import time

import numpy as np

import quantc

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


for pipe in sys.argv[1:]:
    mod = quantc.compile_cpu(ir, pipe)
    print(pipe, "%.3f ms" % (best(lambda: mod.main(x, w1, w2)) * 1e3))
