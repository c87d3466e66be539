# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Float contractions on the x86 FMA kernels (issue 19) against NumPy
float64: linalg.matmul with each layout of A ([m, k] / [k, m]) and B
([k, n] / [n, k]), zero-filled and accumulating inits, odd shapes (M, N, K
not multiples of the tiles, M = 1, several K and M blocks), batch_matmul
(batched and broadcast 2-D rhs, transposed maps), a contraction
linalg.generic, f16 / bf16 inputs widened to f32, an f16 output, and
OpenMP runs (3 threads), for isa avx512 (cpu=host / vnni-emulated) and avx2.

The bound, per output element, relative to sum_k |a_ik| |b_kj| (the
conditioning of a dot product; |y_ij| <= that sum):
 - f32 operands, K <= 4096: |y - y64| <= 1e-5 * (|A| |B|)_ij, y64 the
   float64 product of the same f32 values.
 - f16 / bf16 operands: the products of two such values are exact in f32
   (11 + 11 and 8 + 8 significant bits <= 24), so against the float64 product
   of the rounded operands the f32 bound holds unchanged; against the
   unrounded f32 data each operand adds its rounding, 2^-11 (f16) or 2^-8
   (bf16) relative, so the bound is 2 * u + u^2 + 1e-5.
 - An f16 output adds one rounding of y: 2^-11 * |y| <= 2^-11 * (|A| |B|).
"""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

import quantc
from qtest import libgomp, bf16_round

rng = np.random.default_rng(19)
GOMP = libgomp()
F32_BOUND = 1e-5
failures = 0
checks = 0


def tt(shape, elem="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def check(label, got, a64, b64, spec, bound, init=None):
    """got against einsum(spec) of the float64 operands (+ init)."""
    global failures, checks
    checks += 1
    want = np.einsum(spec, a64, b64)
    scale = np.einsum(spec, np.abs(a64), np.abs(b64))
    if init is not None:
        want = want + init
        scale = scale + np.abs(init)
    got = np.asarray(got, np.float64)
    if got.shape != want.shape:
        failures += 1
        print(f"FAIL {label}: shape {got.shape} vs {want.shape}")
        return
    err = np.abs(got - want)
    # Tiny floor: an all-zero row of A gives scale 0 and must give exactly 0.
    ratio = (err / np.maximum(scale, 1e-30)).max()
    if not ratio <= bound:
        failures += 1
        print(f"FAIL {label}: max error / (|A||B|) = {ratio:.3g} > {bound:.3g}")


def randn(shape):
    return rng.standard_normal(shape).astype(np.float32)


MAPS = {
    # (A transposed, B transposed) -> indexing maps of linalg.matmul
    (False, False): "",
    (False, True): "indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                   "affine_map<(m, n, k) -> (n, k)>, "
                   "affine_map<(m, n, k) -> (m, n)>] ",
    (True, False): "indexing_maps = [affine_map<(m, n, k) -> (k, m)>, "
                   "affine_map<(m, n, k) -> (k, n)>, "
                   "affine_map<(m, n, k) -> (m, n)>] ",
    (True, True): "indexing_maps = [affine_map<(m, n, k) -> (k, m)>, "
                  "affine_map<(m, n, k) -> (n, k)>, "
                  "affine_map<(m, n, k) -> (m, n)>] ",
}


def matmul_ir(m, n, k, ta, tb, accumulate, elem="f32", out="f32"):
    a_shape = (k, m) if ta else (m, k)
    b_shape = (n, k) if tb else (k, n)
    a_ty, b_ty, o_ty = tt(a_shape), tt(b_shape), tt((m, n), out)
    args = f"%a: {a_ty}, %b: {b_ty}"
    conv = ""
    a, b = "%a", "%b"
    if elem != "f32":
        # The operands arrive as f32 and are rounded to elem in the function.
        conv = (f"  %ah = arith.truncf %a : {a_ty} to {tt(a_shape, elem)}\n"
                f"  %bh = arith.truncf %b : {b_ty} to {tt(b_shape, elem)}\n")
        a, b = "%ah", "%bh"
        a_ty, b_ty = tt(a_shape, elem), tt(b_shape, elem)
    if accumulate:
        args += f", %c: {o_ty}"
        init = "%c"
        fill = ""
    else:
        init = "%f"
        fill = (f"  %z = arith.constant 0.0 : {out}\n"
                f"  %e = tensor.empty() : {o_ty}\n"
                f"  %f = linalg.fill ins(%z : {out}) outs(%e : {o_ty}) -> {o_ty}\n")
    return f"""
func.func @main({args}) -> {o_ty} {{
{conv}{fill}  %r = linalg.matmul {MAPS[(ta, tb)]}ins({a}, {b} : {a_ty}, {b_ty}) outs({init} : {o_ty}) -> {o_ty}
  return %r : {o_ty}
}}"""


def compile_checked(ir, pipeline, label, want_parallel=False):
    """Compiles `ir`; a FAIL if a contraction stayed on the reference
    lowering, no FMA kernel was made, or a parallel kernel is not split."""
    global failures
    out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
    if "reference lowering" in diags or "__quantc_x86_sgemm" not in out:
        failures += 1
        print(f"FAIL {label}: {diags}")
    if want_parallel and "GOMP_parallel" not in out:
        failures += 1
        print(f"FAIL {label}: not parallel")
    return quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])


flags = open("/proc/cpuinfo").read().split()
pipelines = ["quantc-cpu-pipeline{cpu=vnni-emulated}"]
if "avx2" in flags:
    pipelines.append("quantc-cpu-pipeline{cpu=avx2}")
# Threaded: every GEMM split over its panels (3 threads).
pipelines.append("quantc-cpu-pipeline{cpu=host vnni-parallel-min-macs=0}")

# (M, N, K): tails of rows (mr = 6), columns (64 / 16 lanes) and K, M = 1,
# several K blocks (kc = 256) and M blocks (mc = 480), K = 4096.
SHAPES = [(1, 70, 13), (7, 130, 67), (13, 264, 258), (6, 64, 64), (1, 1, 1),
          (25, 333, 1001), (487, 65, 300), (4, 48, 4096)]

for pipeline in pipelines:
    parallel = "parallel-min-macs=0" in pipeline
    for m, n, k in SHAPES:
        for ta, tb in MAPS:
            accumulate = (m + ta + 2 * tb) % 2 == 1
            label = f"{pipeline} {m}x{n}x{k} ta={ta} tb={tb} acc={accumulate}"
            mod = compile_checked(matmul_ir(m, n, k, ta, tb, accumulate),
                                  pipeline, label,
                                  parallel and (n + 63) // 64 > 1)
            a, b = randn((m, k)), randn((k, n))
            args = [a.T.copy() if ta else a, b.T.copy() if tb else b]
            c = None
            if accumulate:
                c = randn((m, n))
                args.append(c)
            got = mod.main(*args)
            check(label, got, a.astype(np.float64), b.astype(np.float64),
                  "mk,kn->mn", F32_BOUND, None if c is None else c.astype(np.float64))
            # Re-entrant: the same kernel on other data.
            a2, b2 = randn((m, k)), randn((k, n))
            args = [a2.T.copy() if ta else a2, b2.T.copy() if tb else b2]
            if accumulate:
                args.append(c)
            check(label + " (second call)", mod.main(*args),
                  a2.astype(np.float64), b2.astype(np.float64), "mk,kn->mn",
                  F32_BOUND, None if c is None else c.astype(np.float64))

    # f16 / bf16 operands (f32 accumulation), f16 output.
    for elem, out, (m, n, k), ta, tb in [
            ("f16", "f32", (13, 150, 300), False, False),
            ("bf16", "f32", (13, 150, 300), False, True),
            ("bf16", "f32", (5, 70, 4096), True, False),
            ("f16", "f16", (9, 100, 600), False, True)]:
        label = f"{pipeline} {elem}->{out} {m}x{n}x{k} ta={ta} tb={tb}"
        mod = compile_checked(matmul_ir(m, n, k, ta, tb, False, elem, out),
                              pipeline, label)
        a, b = randn((m, k)), randn((k, n))
        got = mod.main(a.T.copy() if ta else a, b.T.copy() if tb else b)
        if out == "f16":
            got = np.asarray(got).astype(np.float32)
        u = 2.0**-11 if elem == "f16" else 2.0**-8
        rnd = (lambda v: v.astype(np.float16).astype(np.float32)) \
            if elem == "f16" else bf16_round
        out_round = 2.0**-11 if out == "f16" else 0.0
        check(label + " vs rounded operands", got,
              rnd(a).astype(np.float64), rnd(b).astype(np.float64),
              "mk,kn->mn", F32_BOUND + out_round)
        check(label + " vs f32 operands", got, a.astype(np.float64),
              b.astype(np.float64), "mk,kn->mn",
              2 * u + u * u + F32_BOUND + out_round)

    # Batched: batch_matmul, broadcast 2-D rhs (batch_matmul with maps, and a
    # generic), transposed maps, a generic 'bmk,bnk->bmn'.
    bt, m, n, k = 3, 7, 70, 45
    a3, b3, b2 = randn((bt, m, k)), randn((bt, k, n)), randn((k, n))
    bnk = randn((bt, n, k))
    z = (f"  %z = arith.constant 0.0 : f32\n  %e = tensor.empty() : "
         f"{tt((bt, m, n))}\n  %f = linalg.fill ins(%z : f32) outs(%e : "
         f"{tt((bt, m, n))}) -> {tt((bt, m, n))}\n")
    o = tt((bt, m, n))
    cases = [
        ("batch_matmul", f"""
func.func @main(%a: {tt((bt, m, k))}, %b: {tt((bt, k, n))}) -> {o} {{
{z}  %r = linalg.batch_matmul ins(%a, %b : {tt((bt, m, k))}, {tt((bt, k, n))}) outs(%f : {o}) -> {o}
  return %r : {o}
}}""", (a3, b3), "bmk,bkn->bmn"),
        ("batch_matmul broadcast rhs", f"""
func.func @main(%a: {tt((bt, m, k))}, %b: {tt((k, n))}) -> {o} {{
{z}  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%a, %b : {tt((bt, m, k))}, {tt((k, n))}) outs(%f : {o}) -> {o}
  return %r : {o}
}}""", (a3, b2), "bmk,kn->bmn"),
        ("batch_matmul transposed A broadcast rhs", f"""
func.func @main(%a: {tt((bt, k, m))}, %b: {tt((k, n))}) -> {o} {{
{z}  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, k, m)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%a, %b : {tt((bt, k, m))}, {tt((k, n))}) outs(%f : {o}) -> {o}
  return %r : {o}
}}""", (a3.transpose(0, 2, 1).copy(), b2), "bkm,kn->bmn"),
        ("generic bmk,bnk->bmn accumulating", f"""
func.func @main(%a: {tt((bt, m, k))}, %b: {tt((bt, n, k))}, %c: {o}) -> {o} {{
  %r = linalg.generic {{indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%a, %b : {tt((bt, m, k))}, {tt((bt, n, k))}) outs(%c : {o}) {{
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }} -> {o}
  return %r : {o}
}}""", (a3, bnk), "bmk,bnk->bmn"),
    ]
    for name, ir, args, spec in cases:
        label = f"{pipeline} {name}"
        mod = compile_checked(ir, pipeline, label, parallel)
        init = None
        if "accumulating" in name:
            init = randn((bt, m, n))
            args = args + (init,)
        got = mod.main(*args)
        check(label, got, args[0].astype(np.float64),
              args[1].astype(np.float64), spec, F32_BOUND,
              None if init is None else init.astype(np.float64))

print(f"{checks} checks")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
