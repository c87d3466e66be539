# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""W4A16 on the x86 weight-only kernels, bit for bit against a NumPy
simulation of each kernel's f32 accumulation order (issue 18 item 4):
constant i4 weights (both layouts) with scales per group of g along K and
optional zero points, f32 activations, with and without an init C.

The register kernel (M < 32, every M: in registers at M <= 2, the running
sums in the output from M = 3 on) computes, per output element,
  acc = 0; per group: t = 0; t = fma(x[k], q[k] - z, t) for the group's k
  in order; acc = fma(t, s[group], acc);   y = acc (+ C, one f32 add),
and the blocked kernel (M >= 32) a plain f32 GEMM of the dequantized weight
  w = f32((q - z) * s) (rounded once); acc = C or 0; acc = fma(x[k], w[k],
  acc) for k = 0 .. K - 1 in order.
The simulation rounds each fma once (the product of two f32 is exact in
f64; the f64 sum and its rounding error give the correctly rounded f32).
Shapes cover int4 sign extension (q from -8 to 7, zero points from -8 to
7), group tails of the 64-column panels (N odd), several K blocks (K = 512,
kc = 256), row tails (M = 3, 5, 7 against the 4-row tile) and both sides
of the switch to the blocked kernel (block-min-m: M = 16 register, 32
blocked).
"""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

from weightonly import Checker, PIPELINES, dense, matmul_func, tt

rng = np.random.default_rng(18)
C = Checker()


def fma32(a, b, c):
    """Correctly rounded f32 fma of f32 arrays a * b + c."""
    p = a.astype(np.float64) * b.astype(np.float64)  # exact
    c64 = c.astype(np.float64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)  # s + err == p + c exactly
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    # s rounded to f32 ties to even; a nonzero err breaks a tie exactly at
    # the midpoint towards its sign.
    toward = np.where(s > r64, np.float32(np.inf), np.float32(-np.inf))
    other = np.nextafter(r, toward.astype(np.float32))
    mid = (r64 + other.astype(np.float64)) / 2
    tie = (s != r64) & (s == mid) & (err != 0)
    fix = tie & ((err > 0) == (other.astype(np.float64) > r64))
    return np.where(fix, other, r)


def register_order(x, q, s, z, group, c):
    m, k = x.shape
    n = q.shape[1]
    acc = np.zeros((m, n), np.float32)
    for g0 in range(0, k, group):
        gi = g0 // group
        w = (q[g0:g0 + group].astype(np.int32) - z[gi]).astype(np.float32)
        t = np.zeros((m, n), np.float32)
        for kk in range(group):
            t = fma32(x[:, g0 + kk][:, None], w[kk][None, :], t)
        acc = fma32(t, np.broadcast_to(s[gi], (m, n)), acc)
    if c is not None:
        acc = (acc + c).astype(np.float32)
    return acc


def blocked_order(x, q, s, z, group, c):
    m, k = x.shape
    rep = lambda a: np.repeat(a, group, axis=0)
    w = ((q.astype(np.int32) - rep(z)).astype(np.float64) *
         rep(s).astype(np.float64)).astype(np.float32)
    acc = np.zeros((m, q.shape[1]), np.float32) if c is None else c.copy()
    for kk in range(k):
        acc = fma32(x[:, kk][:, None], w[kk][None, :], acc)
    return acc


def gemm_ir(m, n, k, group, transposed, accumulate, zp, q, s, z):
    sk = k // group
    q_shape = (n, k) if transposed else (k, n)
    s_shape = (n, sk) if transposed else (sk, n)
    qa, sa, za = (a.T if transposed else a for a in (q, s, z))
    args = [f"%x: {tt((m, k))}"]
    body = (f"  %q = arith.constant {dense(qa, lambda v: str(int(v)))} : "
            f"{tt(q_shape, 'i4')}\n"
            f"  %s = arith.constant {dense(sa, lambda v: repr(float(v)))} : "
            f"{tt(s_shape)}\n")
    zpart = ""
    if zp:
        body += (f"  %z = arith.constant {dense(za, lambda v: str(int(v)))} : "
                 f"{tt(s_shape, 'i32')}\n")
        zpart = f" zero_point %z : {tt(q_shape, 'i4')}, {tt(s_shape)}, " \
            f"{tt(s_shape, 'i32')}"
    else:
        zpart = f" : {tt(q_shape, 'i4')}, {tt(s_shape)}"
    body += f"  %w = quantc.dequantize %q, %s{zpart} -> {tt(q_shape)}\n"
    return matmul_func(args, body, m, n, k, tt(q_shape), accumulate=accumulate,
                       transposed=transposed)


# (M, N, K, group, zero points)
CASES = [(1, 70, 256, 64, True), (2, 33, 128, 32, False),
         (3, 100, 512, 128, True), (4, 130, 512, 32, False),
         (5, 64, 256, 128, True), (7, 17, 96, 32, True),
         (16, 70, 512, 64, True), (32, 70, 512, 64, True)]

for pipeline in PIPELINES:
    for i, (m, n, k, group, zp) in enumerate(CASES):
        transposed = i % 2 == 1
        accumulate = i % 3 != 0
        sk = k // group
        label = (f"{pipeline} {m}x{n}x{k} g={group} zp={zp} t={transposed} "
                 f"acc={accumulate}")
        q = rng.integers(-8, 8, (k, n)).astype(np.int8)
        q[0, :min(n, 16)] = -8
        q[1, :min(n, 16)] = 7
        s = (rng.random((sk, n)) * 0.05 + 0.001).astype(np.float32)
        z = rng.integers(-8, 8, (sk, n)).astype(np.int32) if zp else \
            np.zeros((sk, n), np.int32)
        mod = C.compile(gemm_ir(m, n, k, group, transposed, accumulate, zp, q,
                                s, z), pipeline, label,
                        ["__quantc_x86_w4a16_gemm"])
        x = rng.standard_normal((m, k)).astype(np.float32)
        c = rng.standard_normal((m, n)).astype(np.float32) if accumulate \
            else None
        got = np.asarray(mod.main(*([x] if c is None else [x, c])))
        order = blocked_order if m >= 32 else register_order
        want = order(x, q, s, z, group, c)
        C.checks += 1
        diff = np.flatnonzero(got.view(np.int32) != want.view(np.int32))
        if diff.size:
            C.fail(label, f"{diff.size} of {got.size} outputs differ from the "
                   f"simulated order, e.g. [{diff[0] // n}, {diff[0] % n}]: "
                   f"{got.flat[diff[0]]!r} vs {want.flat[diff[0]]!r}")

print(f"{C.checks} checks")
C.finish()
