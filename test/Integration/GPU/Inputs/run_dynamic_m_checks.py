#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled dynamic-M program
(dynamic_m.mlir + dynamic_m_driver.cpp, built by quantc-aot), which calls each
function for M = 0, 1, 7, 16, 33, 200 and 1100 on the first M rows, and
compares every output with the NumPy reference (python/quantc/reference.py)
bit for bit.

usage: run_dynamic_m_checks.py EXE REFERENCE_DIR WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

exe, refdir, work = sys.argv[1:4]
sys.path.insert(0, refdir)
import reference as ref  # noqa: E402

os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(20261130)
ROWS = [0, 1, 7, 16, 33, 200, 1100]
MAX = max(ROWS)


def save(name, a):
    a.tofile(os.path.join(work, name + ".bin"))


def load(name, m, dtype, cols):
    path = os.path.join(work, "out_%s_%d.bin" % (name, m))
    return np.fromfile(path, dtype=dtype).reshape((m, cols))


x = rng.integers(-127, 128, (MAX, 256), dtype=np.int8)
w = rng.integers(-127, 128, (512, 256), dtype=np.int8)
x2 = rng.integers(-127, 128, (MAX, 128), dtype=np.int8)
xs = (rng.random((MAX, 1), dtype=np.float32) * 0.02 + 0.001).astype(np.float32)
ws = (rng.random((1, 512), dtype=np.float32) * 0.02 + 0.001).astype(np.float32)
ws2 = (rng.random((1, 64), dtype=np.float32) * 0.002 + 0.0001).astype(np.float32)
b = (rng.standard_normal((1, 512)) * 4).astype(np.float32)
# The constant weight of dyn_const_w_f16.
n, k = np.meshgrid(np.arange(64), np.arange(128), indexing="ij")
w2 = ((n * 37 + k * 11) % 255 - 127).astype(np.int8)
acc = ref.int_matmul(x, w)
f = ref.rescale(acc, xs, ws, bias=b, activation="relu")
os_ = np.array([[np.abs(f).max() / 127]], dtype=np.float32)
for name, a in dict(x=x, w=w, x2=x2, xs=xs, ws=ws, ws2=ws2, b=b, os=os_).items():
    save(name, a)
r = subprocess.run([exe, work], capture_output=True, text=True)
print(r.stdout, r.stderr)
if r.returncode:
    sys.exit("FAIL: the AOT executable exited with %d" % r.returncode)

fails = 0
for m in ROWS:
    a = acc[:m]
    checks = {
        "dyn_gemm_i32": (load("dyn_gemm_i32", m, np.int32, 512), a),
        "dyn_rescale_f32": (load("dyn_rescale_f32", m, np.float32, 512),
                            ref.rescale(a, xs[:m], ws, bias=b)),
        "dyn_requant_i8": (load("dyn_requant_i8", m, np.int8, 512),
                           ref.rescale(a, xs[:m], ws, bias=b, activation="relu",
                                       output_scale=os_)),
        "dyn_const_w_f16": (load("dyn_const_w_f16", m, np.float16, 64),
                            ref.rescale(ref.int_matmul(x2[:m], w2), xs[:m], ws2,
                                        activation="relu").astype(np.float16)),
    }
    for name, (got, want) in checks.items():
        ok = got.shape == want.shape and \
            got.view(np.uint8).tobytes() == want.view(np.uint8).tobytes()
        nbad = int(np.sum(got != want)) if got.shape == want.shape else -1
        print(f"{'PASS' if ok else 'FAIL'} {name} M={m}: bit-exact, {nbad} elements differ")
        fails += not ok
print("ALL PASS" if not fails else f"{fails} FAILED")
sys.exit(1 if fails else 0)
