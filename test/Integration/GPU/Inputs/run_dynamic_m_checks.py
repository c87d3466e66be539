#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled dynamic-M program
(dynamic_m.mlir + dynamic_m_driver.cpp, built by quantc-aot), which calls each
function for M = 0, 1, 7, 16, 33, 200 and 1100 on the first M rows, and
compares every output with the NumPy reference (python/quantc/reference.py)
bit for bit.

usage: run_dynamic_m_checks.py EXE REFERENCE_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261130)
import reference as ref  # noqa: E402

rng = io.rng
ROWS = [0, 1, 7, 16, 33, 200, 1100]
MAX = max(ROWS)
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
io.save(x=x, w=w, x2=x2, xs=xs, ws=ws, ws2=ws2, b=b, os=os_)
io.run()

for m in ROWS:
    a = acc[:m]
    want = {
        "dyn_gemm_i32": a,
        "dyn_rescale_f32": ref.rescale(a, xs[:m], ws, bias=b),
        "dyn_requant_i8": ref.rescale(a, xs[:m], ws, bias=b, activation="relu",
                                      output_scale=os_),
        "dyn_const_w_f16": ref.rescale(ref.int_matmul(x2[:m], w2), xs[:m], ws2,
                                       activation="relu").astype(np.float16),
    }
    for name, expect in want.items():
        io.exact(f"{name} M={m}", expect, out=f"{name}_{m}")
io.finish()
