#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled FP8 program
(fp8_gemm.mlir + fp8_gemm_driver.cpp, built by quantc-aot --chip sm_90a) and
compares the outputs with the NumPy E4M3 simulation (python/quantc/e4m3.py):

- fp8_quantize: the host's E4M3 quantize, bit-exact;
- fp8_gemm: the wgmma e4m3 f32 accumulators against the exact sum of the
  exact E4M3 products, within K * 2^-24 * sum_c |x_c w_c| (the f32
  accumulation order of wgmma is not specified; each addition rounds once);
- fp8_linear: per-token quantize + GEMM + fused rescale and bias, within that
  bound scaled by the scales plus 2 ulp of the epilogue's own rounding.

usage: run_fp8_checks.py EXE PYTHON_QUANTC_DIR WORKDIR
"""
import os
import subprocess
import sys

import numpy as np

exe, refdir, work = sys.argv[1:4]
sys.path.insert(0, refdir)
import e4m3  # noqa: E402

os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(20261201)


def save(name, a):
    a.tofile(os.path.join(work, name + ".bin"))


def load(name, dtype, shape):
    return np.fromfile(os.path.join(work, "out_" + name + ".bin"), dtype=dtype).reshape(shape)


# Operands: E4M3 bytes of random normal values (scaled so that saturation,
# subnormals and ties all occur), and an activation with outlier channels.
xq = e4m3.encode((rng.standard_normal((256, 512)) * 60).astype(np.float32))
wf = (rng.standard_normal((384, 512)) * 0.05).astype(np.float32)
ws = e4m3.absmax_scale(wf, 1).T.copy()  # [1, 384]
wq = e4m3.quantize(wf, ws.T)
x = (rng.standard_normal((200, 512)) * 3).astype(np.float32)
x[:, 7] *= 40
x[3] = 0  # an all-zero token: scale 1
xs = e4m3.absmax_scale(x, 1)
b = rng.standard_normal((1, 384)).astype(np.float32)
for n, a in dict(xq=xq, wq=wq, x=x, xs=xs, ws=ws, b=b).items():
    save(n, a)
r = subprocess.run([exe, work], capture_output=True, text=True)
print(r.stdout, r.stderr)
if r.returncode:
    sys.exit("FAIL: the AOT executable exited with %d" % r.returncode)

fails = 0


def report(name, ok, msg):
    global fails
    print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}")
    fails += not ok


q = load("fp8_quantize", np.uint8, (200, 512))
want = e4m3.quantize(x, xs)
report("fp8_quantize", q.tobytes() == want.tobytes(),
       f"bit-exact, {int(np.sum(q != want))} bytes differ")

got = load("fp8_gemm", np.float32, (256, 384)).astype(np.float64)
exact = e4m3.matmul(xq, wq)
tol = e4m3.gemm_tolerance(xq, wq)
err = np.abs(got - exact)
report("fp8_gemm", bool(np.all(err <= tol)) and not np.isnan(got).any(),
       f"within K*2^-24*sum|xw|, max abs err {err.max():.3g}")

got = load("fp8_linear", np.float32, (200, 384)).astype(np.float64)
xq2 = e4m3.quantize(x, xs)
exact = e4m3.matmul(xq2, wq) * xs.astype(np.float64) * ws.astype(np.float64) + b
tol = (e4m3.gemm_tolerance(xq2, wq) * xs * ws
       + 4 * np.finfo(np.float32).eps * (np.abs(exact) + np.abs(b)))
err = np.abs(got - exact)
report("fp8_linear", bool(np.all(err <= tol)) and not np.isnan(got).any(),
       f"within the GEMM bound + 4 ulp, max abs err {err.max():.3g}")
print("ALL PASS" if not fails else f"{fails} FAILED")
sys.exit(1 if fails else 0)
