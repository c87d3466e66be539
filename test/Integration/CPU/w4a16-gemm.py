# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""W4A16 GEMMs on the fused x86 weight-only kernel (issues 18 and 20):
y = x . dequantize(q, s, z) with i4 weights (signed storage [-8, 7]), f32
scales per group of g = 32 / 64 / 128 along K (or per output channel),
optional i32 zero points of the scale's shape (AWQ/GPTQ-style asymmetric
weights), f32 / f16 / bf16 activations, against an independent NumPy
float64 reference of the dequantized weight (q - z) * s.

Constant weights (both layouts) are packed two per byte at compile time and
must run on `__quantc_x86_w4a16_gemm`; run-time i4 weights (here
`arith.trunci` of an i8 argument, since NumPy has no int4) are widened to i8
per call and run on the int8 kernel, with a remark that says so. Shapes: M =
1, odd M (row tails), N odd (column and panel tails), K a multiple of g,
several K blocks; threaded (3 OpenMP threads, parallel-min-macs=0).

The bound, per output element, relative to sum_k |x_mk| |w_deq_kn|:
 |y - y64| <= 1e-5 * (|x| |w_deq|)_mn
(grouped constant weights are widened in registers to q - z, exact in
f32; each group's sum over its g rows is scaled once, fma(sum, s, acc),
with the running sums in registers (M <= 2) or in the output (M >= 3): K
roundings of the accumulation and one per group, far below the bound for
K <= 4096).
"""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

from qtest import bf16_round
from weightonly import Checker, PIPELINES, dense, is_parallel, matmul_func, tt

rng = np.random.default_rng(20)
C = Checker()


def gemm_ir(m, n, k, group, const, transposed, accumulate, zp, q, s, z,
            elem="f32"):
    """x [m, k] . dequantize(q, s, z); q [k, n] i4 (or [n, k] when
    transposed), s and z [k / group or 1, n] (transposed: [n, ...]). A
    run-time q is an i8 argument truncated to i4."""
    sk = k // group if group else 1
    q_shape = (n, k) if transposed else (k, n)
    s_shape = (n, sk) if transposed else (sk, n)
    args = [f"%x: {tt((m, k))}"]
    body = ""
    if const:
        body += f"  %q = arith.constant {dense(q, lambda v: str(int(v)))} : {tt(q_shape, 'i4')}\n"
        body += f"  %s = arith.constant {dense(s, lambda v: repr(float(v)))} : {tt(s_shape)}\n"
    else:
        args += [f"%q8: {tt(q_shape, 'i8')}", f"%s: {tt(s_shape)}"]
        body += f"  %q = arith.trunci %q8 : {tt(q_shape, 'i8')} to {tt(q_shape, 'i4')}\n"
    zpart, ztype = "", ""
    if zp:
        body += f"  %z = arith.constant {dense(z, lambda v: str(int(v)))} : {tt(s_shape, 'i32')}\n"
        zpart, ztype = " zero_point %z", f", {tt(s_shape, 'i32')}"
    body += (f"  %w = quantc.dequantize %q, %s{zpart} : {tt(q_shape, 'i4')}, "
             f"{tt(s_shape)}{ztype} -> {tt(q_shape)}\n")
    x = "%x"
    if elem != "f32":
        body += f"  %xh = arith.truncf %x : {tt((m, k))} to {tt((m, k), elem)}\n"
        x = "%xh"
    return matmul_func(args, body, m, n, k, tt(q_shape), x=x, x_elem=elem,
                       accumulate=accumulate, transposed=transposed)


def compile_checked(ir, pipeline, label, const, want_parallel):
    kernel = "__quantc_x86_w4a16_gemm" if const else "__quantc_x86_w8a16_gemm"
    return C.compile(ir, pipeline, label, [kernel], want_parallel,
                     remark=None if const else "widened to i8 on every call")


# (M, N, K, group, zero points): M = 1 and odd M, N odd (tails of the
# 64-column panels and of the vector pairs), K a multiple of the group,
# several K blocks (kc = 256), per-channel (group 0).
CASES = [(1, 70, 128, 128, False), (7, 33, 256, 32, True),
         (1, 131, 512, 64, True), (16, 100, 384, 128, False),
         (5, 17, 96, 32, False), (3, 64, 64, 0, False), (1, 81, 64, 0, True),
         (9, 200, 768, 128, True)]

for pipeline in PIPELINES:
    parallel = is_parallel(pipeline)
    for i, (m, n, k, group, zp) in enumerate(CASES):
        for const, transposed in [(False, False), (True, False), (True, True)]:
            accumulate = (i + const + transposed) % 3 == 1
            sk = k // group if group else 1
            label = (f"{pipeline} {m}x{n}x{k} g={group} zp={zp} const={const} "
                     f"t={transposed} acc={accumulate}")
            q = rng.integers(-8, 8, (k, n)).astype(np.int8)
            s = (rng.random((sk, n)) * 0.05 + 0.001).astype(np.float32)
            z = rng.integers(-8, 8, (sk, n)).astype(np.int32)
            if not zp:
                z = np.zeros((sk, n), np.int32)
            qa = q.T.copy() if transposed else q
            sa = s.T.copy() if transposed else s
            za = z.T.copy() if transposed else z
            ir = gemm_ir(m, n, k, group, const, transposed, accumulate, zp,
                         qa, sa, za)
            mod = compile_checked(ir, pipeline, label, const,
                                  parallel and (n + 63) // 64 > 1)
            rep = group if group else k
            w64 = (q.astype(np.float64) - np.repeat(z, rep, axis=0)) * \
                np.repeat(s.astype(np.float64), rep, axis=0)
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
    for elem, (m, n, k, group) in [("f16", (3, 80, 256, 128)),
                                   ("bf16", (16, 70, 256, 64))]:
        label = f"{pipeline} {elem} {m}x{n}x{k} g={group}"
        sk = k // group
        q = rng.integers(-8, 8, (k, n)).astype(np.int8)
        s = (rng.random((sk, n)) * 0.05 + 0.001).astype(np.float32)
        z = np.zeros((sk, n), np.int32)
        mod = compile_checked(gemm_ir(m, n, k, group, True, False, False,
                                      False, q, s, z, elem=elem),
                              pipeline, label, True, False)
        x = rng.standard_normal((m, k)).astype(np.float32)
        xr = x.astype(np.float16).astype(np.float32) if elem == "f16" \
            else bf16_round(x)
        w64 = q.astype(np.float64) * np.repeat(s.astype(np.float64), group,
                                               axis=0)
        C.check_bound(label, mod.main(x), xr.astype(np.float64), w64)

print(f"{C.checks} checks")
C.finish()
