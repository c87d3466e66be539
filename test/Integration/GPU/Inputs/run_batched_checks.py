#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled batched program
(batched.mlir + batched_driver.cpp, built by quantc-aot) and compares every
output with the NumPy reference (python/quantc/reference.py) bit for bit:
Q.K^T (NT) and P.V (NN) over 33 batches for M = 0, 1, 7, 33 and 130, one
batch with an odd M, and an NN GEMM with per-batch scales, ReLU and f16.

usage: run_batched_checks.py EXE REFERENCE_DIR WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

exe, refdir, work = sys.argv[1:4]
sys.path.insert(0, refdir)
import reference as ref  # noqa: E402

os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(20261201)
B = 33
ROWS = [0, 1, 7, 33, 130]
MAX = max(ROWS)


def i8(*shape):
    return rng.integers(-127, 128, shape, dtype=np.int8)


def scale(*shape, lo=0.001, span=0.02):
    return (rng.random(shape, dtype=np.float32) * span + lo).astype(np.float32)


def save(name, a):
    a.tofile(os.path.join(work, name + ".bin"))


def load(name, dtype, shape):
    path = os.path.join(work, "out_%s.bin" % name)
    return np.fromfile(path, dtype=dtype).reshape(shape)


q, k = i8(B, MAX, 128), i8(B, 128, 128)  # K stored [B, N, K]
p, v = i8(B, MAX, 128), i8(B, 128, 64)  # V stored [B, K, N]
q1, k1 = i8(1, 37, 64), i8(1, 80, 64)
p2, v2 = i8(B, 7, 256), i8(B, 256, 64)
qs, ks = scale(B, MAX, 1), scale(1, 1, 1)
ps, vs = scale(B, 7, 1), scale(B, 1, 64, lo=0.0001, span=0.002)
for name, a in dict(q=q, k=k, p=p, v=v, q1=q1, k1=k1, p2=p2, v2=v2, qs=qs,
                    ks=ks, ps=ps, vs=vs).items():
    save(name, a)
r = subprocess.run([exe, work], capture_output=True, text=True)
print(r.stdout, r.stderr)
if r.returncode:
    sys.exit("FAIL: the AOT executable exited with %d" % r.returncode)

fails = 0


def check(name, got, want):
    global fails
    ok = got.shape == want.shape and got.tobytes() == want.tobytes()
    nbad = int(np.sum(got != want)) if got.shape == want.shape else -1
    print(f"{'PASS' if ok else 'FAIL'} {name}: bit-exact, {nbad} elements differ")
    fails += not ok


# NN: sum_c P[b, m, c] * V[b, c, n] is the NT GEMM with V^T.
vt = np.swapaxes(v, -1, -2)
for m in ROWS:
    acc = ref.int_matmul(q[:, :m], k)
    check(f"qk_f32 M={m}", load(f"qk_f32_{m}", np.float32, (B, m, 128)),
          ref.rescale(acc, qs[:, :m], ks))
    check(f"pv_i32 M={m}", load(f"pv_i32_{m}", np.int32, (B, m, 64)),
          ref.int_matmul(p[:, :m], vt))
check("qk_b1_i32", load("qk_b1_i32", np.int32, (1, 37, 80)), ref.int_matmul(q1, k1))
acc2 = ref.int_matmul(p2, np.swapaxes(v2, -1, -2))
check("pv_f16", load("pv_f16", np.float16, (B, 7, 64)),
      ref.rescale(acc2, ps, vs, activation="relu").astype(np.float16))
print("ALL PASS" if not fails else f"{fails} FAILED")
sys.exit(1 if fails else 0)
