#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled epilogues program
(epilogues.mlir + epilogues_driver.cpp, built by quantc-aot) and compares every
output with the NumPy reference (python/quantc/reference.py): bit-exact for
int32, f32 (no GELU), f16 and requantized i8; GELU within 2 ulp-ish (the device
erf is libdevice's, NumPy's is math.erf in double).

usage: run_gpu_checks.py EXE REFERENCE_DIR WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

exe, refdir, work = sys.argv[1:4]
sys.path.insert(0, refdir)
import reference as ref  # noqa: E402

os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(20261122)


def save(name, a):
    a.tofile(os.path.join(work, name + ".bin"))


def load(name, dtype, shape):
    return np.fromfile(os.path.join(work, "out_" + name + ".bin"), dtype=dtype).reshape(shape)


x = rng.integers(-127, 128, (256, 256), dtype=np.int8)
w = rng.integers(-127, 128, (512, 256), dtype=np.int8)
sx = rng.integers(-127, 128, (48, 96), dtype=np.int8)
sw = rng.integers(-127, 128, (80, 96), dtype=np.int8)
xs = (rng.random((256, 1), dtype=np.float32) * 0.02 + 0.001).astype(np.float32)
ws = (rng.random((1, 512), dtype=np.float32) * 0.02 + 0.001).astype(np.float32)
b = (rng.standard_normal((1, 512)) * 4).astype(np.float32)
ts = np.array([[0.0003]], dtype=np.float32)
acc = ref.int_matmul(x, w)
f = ref.rescale(acc, xs, ws, bias=b, activation="relu")
os_ = np.array([[np.abs(f).max() / 127]], dtype=np.float32)
for n, a in dict(x=x, w=w, sx=sx, sw=sw, xs=xs, ws=ws, b=b, os=os_, ts=ts).items():
    save(n, a)
r = subprocess.run([exe, work], capture_output=True, text=True)
print(r.stdout, r.stderr)
if r.returncode:
    sys.exit("FAIL: the AOT executable exited with %d" % r.returncode)

fails = 0


def check(name, got, want, exact=True, rtol=0.0, atol=0.0):
    global fails
    if exact:
        same = got.view(np.uint8).tobytes() == want.view(np.uint8).tobytes()
        nbad = int(np.sum(got != want))
        ok = same
        msg = f"bit-exact, {nbad} elements differ"
    else:
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        ok = bool(np.all(err <= atol + rtol * np.abs(want))) and not np.isnan(got).any()
        msg = f"max abs err {err.max():.3g}"
    print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}")
    fails += not ok


check("gemm_i32", load("gemm_i32", np.int32, (256, 512)), acc)
check("gemm_small", load("gemm_small", np.int32, (48, 80)), ref.int_matmul(sx, sw))
check("rescale_f32", load("rescale_f32", np.float32, (256, 512)),
      ref.rescale(acc, xs, ws, bias=b))
check("rescale_f16_relu", load("rescale_f16_relu", np.float16, (256, 512)),
      ref.rescale(acc, xs, ws, activation="relu").astype(np.float16))
check("requant_i8", load("requant_i8", np.int8, (256, 512)),
      ref.rescale(acc, xs, ws, bias=b, activation="relu", output_scale=os_))
check("gelu_f32", load("gelu_f32", np.float32, (256, 512)),
      ref.rescale(acc, ts, ws, activation="gelu"), exact=False, rtol=1e-5, atol=1e-6)
print("ALL PASS" if not fails else f"{fails} FAILED")
sys.exit(1 if fails else 0)
