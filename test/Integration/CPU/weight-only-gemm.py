# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Weight-only (W8A16) GEMMs on the fused x86 kernels (issue 18):
y = x . dequantize(q, s) with f32 activations, int8 weights widened in
registers and f32 accumulation, against NumPy float64 of the dequantized
weight. Run-time weights stored [k, n] (read in place) and constant weights
in either layout (packed at compile time), per-output-channel, per-tensor
and grouped (g = 32 / 64 / 128) scales, zero-filled and accumulating inits,
odd shapes (M = 1, 16, tails of rows, columns and K blocks), f16 / bf16
activations, and OpenMP runs (3 threads), for isa avx512 (cpu=host /
vnni-emulated) and avx2. Every compile is checked to have taken the
weight-only kernel (no remark, no dequantized weight).

The bound, per output element, relative to sum_k |x_mk| |w_deq_kn| (the
conditioning of the dot product):
 |y - y64| <= 1e-5 * (|x| |w_deq|)_mn, y64 the float64 product of the same
 f32 (or rounded f16 / bf16) activations and the float64 dequantized weight
 q * s. (The int8 values are exact in f32; per channel the scale is applied
 once to the f32 sum, grouped once per group: a few more roundings than the
 f32 float path, far below the bound for K <= 4096.)
"""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

from qtest import bf16_round
from weightonly import Checker, PIPELINES, dense, is_parallel, matmul_func, tt

rng = np.random.default_rng(18)
C = Checker()


def dense_i8(a):
    return dense(a, lambda v: str(int(v)))


def dense_f32(a):
    return dense(a, lambda v: repr(float(v)))


def gemm_ir(m, n, k, group, const, transposed, accumulate, q=None, s=None,
            elem="f32"):
    """x [m, k] . dequantize(q, s); q [k, n] (or [n, k] when transposed), s
    [k / group or 1, n] (transposed: [n, k / group or 1])."""
    sk = k // group if group else 1
    q_shape = (n, k) if transposed else (k, n)
    s_shape = (n, sk) if transposed else (sk, n)
    args = [f"%x: {tt((m, k))}"]
    body = ""
    if const:
        body += f"  %q = arith.constant {dense_i8(q)} : {tt(q_shape, 'i8')}\n"
        body += f"  %s = arith.constant {dense_f32(s)} : {tt(s_shape)}\n"
    else:
        args += [f"%q: {tt(q_shape, 'i8')}", f"%s: {tt(s_shape)}"]
    body += (f"  %w = quantc.dequantize %q, %s : {tt(q_shape, 'i8')}, "
             f"{tt(s_shape)} -> {tt(q_shape)}\n")
    x = "%x"
    if elem != "f32":
        body += f"  %xh = arith.truncf %x : {tt((m, k))} to {tt((m, k), elem)}\n"
        x = "%xh"
    return matmul_func(args, body, m, n, k, tt(q_shape), x=x, x_elem=elem,
                       accumulate=accumulate, transposed=transposed)


def compile_checked(ir, pipeline, label, want_parallel):
    return C.compile(ir, pipeline, label, ["__quantc_x86_w8a16_gemm"],
                     want_parallel, quiet=True)


# (M, N, K, group): M = 1 and 16, tails of rows (mr = 6 / 3), columns (64
# lanes per panel) and K (kunroll), several K blocks (kc = 256), groups.
CASES = [(1, 70, 13, 0), (16, 130, 67, 0), (7, 264, 300, 0), (1, 1, 1, 0),
         (25, 333, 1001, 0), (16, 64, 512, 0), (1, 96, 256, 32),
         (16, 100, 384, 64), (5, 130, 768, 128), (1, 33, 4096, 128),
         (9, 65, 96, 32)]

for pipeline in PIPELINES:
    parallel = is_parallel(pipeline)
    for i, (m, n, k, group) in enumerate(CASES):
        for const, transposed in [(False, False), (True, False), (True, True)]:
            if const and n * k > 40000:
                continue  # keep the IR text small
            accumulate = (i + const + transposed) % 3 == 1
            sk = k // group if group else 1
            per_tensor = group == 0 and i % 4 == 3
            label = (f"{pipeline} {m}x{n}x{k} g={group} const={const} "
                     f"t={transposed} acc={accumulate} pt={per_tensor}")
            q = rng.integers(-128, 128, (k, n)).astype(np.int8)
            s = (rng.random((sk, n)) * 0.02 + 0.001).astype(np.float32)
            if per_tensor:
                s = np.full((1, n), s[0, 0], np.float32)
            qa = q.T.copy() if transposed else q
            sa = s.T.copy() if transposed else s
            if per_tensor and not transposed and not const:
                pass
            ir = gemm_ir(m, n, k, group, const, transposed, accumulate,
                         qa, sa)
            mod = compile_checked(ir, pipeline, label,
                                  parallel and (n + 63) // 64 > 1)
            w64 = q.astype(np.float64) * np.repeat(
                s.astype(np.float64), group if group else 1, axis=0)[:k]
            for call in range(2):
                x = rng.standard_normal((m, k)).astype(np.float32)
                args = [x] if const else [x, qa, sa]
                c = None
                if accumulate:
                    c = rng.standard_normal((m, n)).astype(np.float32)
                    args.append(c)
                C.check_bound(f"{label} call {call}", mod.main(*args),
                      x.astype(np.float64), w64,
                      None if c is None else c.astype(np.float64))

    # f16 / bf16 activations, widened to f32 on load.
    for elem, (m, n, k, group) in [("f16", (3, 80, 200, 0)),
                                   ("bf16", (16, 70, 256, 64))]:
        label = f"{pipeline} {elem} {m}x{n}x{k} g={group}"
        sk = k // group if group else 1
        q = rng.integers(-128, 128, (k, n)).astype(np.int8)
        s = (rng.random((sk, n)) * 0.02 + 0.001).astype(np.float32)
        mod = compile_checked(gemm_ir(m, n, k, group, False, False, False,
                                      elem=elem), pipeline, label, False)
        x = rng.standard_normal((m, k)).astype(np.float32)
        xr = x.astype(np.float16).astype(np.float32) if elem == "f16" \
            else bf16_round(x)
        w64 = q.astype(np.float64) * np.repeat(
            s.astype(np.float64), group if group else 1, axis=0)
        C.check_bound(label, mod.main(x, q, s), xr.astype(np.float64), w64)

print(f"{C.checks} checks")
C.finish()
