#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled batched program
(batched.mlir + batched_driver.cpp, built by quantc-aot) and compares every
output with the NumPy reference (python/quantc/reference.py) bit for bit:
Q.K^T (NT) and P.V (NN) over 33 batches for M = 0, 1, 7, 33 and 130, one
batch with an odd M, and an NN GEMM with per-batch scales, ReLU and f16.

usage: run_batched_checks.py EXE REFERENCE_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261201)
import reference as ref  # noqa: E402

rng = io.rng
B = 33
ROWS = [0, 1, 7, 33, 130]
MAX = max(ROWS)


def i8(*shape):
    return rng.integers(-127, 128, shape, dtype=np.int8)


def scale(*shape, lo=0.001, span=0.02):
    return (rng.random(shape, dtype=np.float32) * span + lo).astype(np.float32)


q, k = i8(B, MAX, 128), i8(B, 128, 128)  # K stored [B, N, K]
p, v = i8(B, MAX, 128), i8(B, 128, 64)  # V stored [B, K, N]
q1, k1 = i8(1, 37, 64), i8(1, 80, 64)
p2, v2 = i8(B, 7, 256), i8(B, 256, 64)
qs, ks = scale(B, MAX, 1), scale(1, 1, 1)
ps, vs = scale(B, 7, 1), scale(B, 1, 64, lo=0.0001, span=0.002)
io.save(q=q, k=k, p=p, v=v, q1=q1, k1=k1, p2=p2, v2=v2, qs=qs, ks=ks, ps=ps,
        vs=vs)
io.run()

# NN: sum_c P[b, m, c] * V[b, c, n] is the NT GEMM with V^T.
vt = np.swapaxes(v, -1, -2)
for m in ROWS:
    acc = ref.int_matmul(q[:, :m], k)
    io.exact(f"qk_f32 M={m}", ref.rescale(acc, qs[:, :m], ks),
             out=f"qk_f32_{m}")
    io.exact(f"pv_i32 M={m}", ref.int_matmul(p[:, :m], vt), out=f"pv_i32_{m}")
io.exact("qk_b1_i32", ref.int_matmul(q1, k1))
acc2 = ref.int_matmul(p2, np.swapaxes(v2, -1, -2))
io.exact("pv_f16", ref.rescale(acc2, ps, vs, activation="relu").astype(np.float16))
io.finish()
