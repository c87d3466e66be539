# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Weight-only GEMMs (W8A16, W4A16) with a run-time token count M (issue 18):
one compiled function `y[?, n] = x[?, k] . dequantize(q, s, z)` called with
M = 1, 2, 3, 8, 9, 16, 17, 31, 32, 33, 47, 48 and 64. Below block-min-m (32,
for every weight) a register kernel runs (a run-time weight read in place has
two: K blocks of 8 rows up to 8 rows, the plan's K block from 9); from there
the narrow blocked kernel (one panel at a time) and from 48 rows the wide one (each
weight dequantized once per K block into an f32 panel, then the float
micro-kernel), chosen per call.

Numerics:
- The blocked kernels (M >= block-min-m) are checked bit-exact against a NumPy
  simulation of its order: w = f32(f32(q - z) * s) (the dequantized weight,
  one rounding), then acc = C (or 0) and acc = fma(x[m, k], w[k, n], acc)
  for k = 0 .. K - 1 in order (x[m, k] * w[k, n] is exact in float64, the
  sum rounds to float64 then to f32: double rounding can differ from the
  fused result only when the float64 sum lies on an f32 halfway point; the
  seeds here never do).
- The register kernel (fewer rows: per-channel scales in the epilogue, group
  sums scaled per group) within the bound of the other weight-only tests,
  |y - y64| <= 1e-5 * (|x| |w_deq|)_mn.
"""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

from weightonly import Checker, PIPELINES, dense, is_parallel, matmul_func, tt

rng = np.random.default_rng(1818)
C = Checker()


def gemm_ir(n, k, group, bits, const, transposed, accumulate, zp, q, s, z):
    """x [?, k] . dequantize(q, s[, z]); q [k, n] (or [n, k] transposed) of
    i8 or i4 (a run-time i4 is an i8 argument truncated)."""
    sk = k // group if group else 1
    q_shape = (n, k) if transposed else (k, n)
    s_shape = (n, sk) if transposed else (sk, n)
    qe = f"i{bits}"
    args = [f"%x: {tt(('?', k))}"]
    body = ""
    if const:
        body += f"  %q = arith.constant {dense(q, lambda v: str(int(v)))} : {tt(q_shape, qe)}\n"
        body += f"  %s = arith.constant {dense(s, lambda v: repr(float(v)))} : {tt(s_shape)}\n"
    else:
        args += [f"%q8: {tt(q_shape, 'i8')}", f"%s: {tt(s_shape)}"]
        if bits == 4:
            body += f"  %q = arith.trunci %q8 : {tt(q_shape, 'i8')} to {tt(q_shape, 'i4')}\n"
    qv = "%q" if (const or bits == 4) else "%q8"
    zpart, ztype = "", ""
    if zp:
        body += f"  %z = arith.constant {dense(z, lambda v: str(int(v)))} : {tt(s_shape, 'i32')}\n"
        zpart, ztype = " zero_point %z", f", {tt(s_shape, 'i32')}"
    body += (f"  %w = quantc.dequantize {qv}, %s{zpart} : {tt(q_shape, qe)}, "
             f"{tt(s_shape)}{ztype} -> {tt(q_shape)}\n")
    return matmul_func(args, body, "?", n, k, tt(q_shape), accumulate=accumulate,
                       transposed=transposed)


def simulate_blocked(x, w32, c):
    """The blocked kernel's order: acc = c, acc = fma(x[:, k], w[k], acc)."""
    acc = np.zeros((x.shape[0], w32.shape[1]), np.float32) if c is None \
        else c.copy()
    x64 = x.astype(np.float64)
    w64 = w32.astype(np.float64)
    for kk in range(x.shape[1]):
        acc = (x64[:, kk, None] * w64[kk] + acc).astype(np.float32)
    return acc


# (N, K, group, bits, const, transposed, zero point, accumulate): K tails of
# the 256-row K block, N tails of the 64-column panel, groups, i4 and i8,
# packed (constant) and read in place (run-time [k, n]).
CASES = [(100, 300, 0, 8, True, True, False, False),
         (130, 384, 64, 8, False, False, False, True),
         (70, 256, 32, 4, True, True, True, False),
         (33, 64, 0, 4, True, False, False, True),
         (65, 512, 128, 8, True, False, True, False),
         (81, 128, 64, 4, False, False, True, False)]

for pipeline in PIPELINES:
    parallel = is_parallel(pipeline)
    for (n, k, group, bits, const, transposed, zp, accumulate) in CASES:
        label = (f"{pipeline} ?x{n}x{k} g={group} i{bits} const={const} "
                 f"t={transposed} zp={zp} acc={accumulate}")
        sk = k // group if group else 1
        lo, hi = (-8, 8) if bits == 4 else (-128, 128)
        q = rng.integers(lo, hi, (k, n)).astype(np.int8)
        s = (rng.random((sk, n)) * 0.05 + 0.001).astype(np.float32)
        z = rng.integers(lo, hi, (sk, n)).astype(np.int32) if zp \
            else np.zeros((sk, n), np.int32)
        qa = q.T.copy() if transposed else q
        sa = s.T.copy() if transposed else s
        za = z.T.copy() if transposed else z
        ir = gemm_ir(n, k, group, bits, const, transposed, accumulate, zp,
                     qa, sa, za)
        kernel = "__quantc_x86_w4a16_gemm" if bits == 4 and const \
            else "__quantc_x86_w8a16_gemm"
        # Both kernels: the register one and the blocked one.
        mod = C.compile(ir, pipeline, label, [f"@{kernel}(", f"@{kernel}_blocked("],
                        parallel and (n + 63) // 64 > 1)
        rep = group if group else k
        zr = np.repeat(z, rep, axis=0)
        sr = np.repeat(s, rep, axis=0)
        # The dequantized weight as quantc.dequantize defines it (f32).
        w32 = (q.astype(np.int32) - zr).astype(np.float32) * sr
        w64 = (q.astype(np.float64) - zr) * sr.astype(np.float64)
        block_min_m = 32
        for m in [1, 3, 17, 64, 2, 8, 9, 16, 31, 32, 33, 47, 48]:
            x = rng.standard_normal((m, k)).astype(np.float32)
            args = [x] if const else [x, qa, sa]
            c = None
            if accumulate:
                c = rng.standard_normal((m, n)).astype(np.float32)
                args.append(c)
            got = np.asarray(mod.main(*args))
            if got.shape != (m, n):
                C.checks += 1
                C.fail(f"{label} M={m}", f"shape {got.shape}")
                continue
            if m >= block_min_m:
                C.checks += 1
                want = simulate_blocked(x, w32, c)
                bad = np.count_nonzero(got.view(np.uint32) !=
                                       want.view(np.uint32))
                if bad:
                    C.fail(f"{label} M={m}", f"{bad} elements differ from "
                           f"the blocked kernel's simulation")
            else:
                C.check_bound(f"{label} M={m}", got, x.astype(np.float64), w64,
                              None if c is None else c.astype(np.float64))

print(f"{C.checks} checks")
C.finish()
