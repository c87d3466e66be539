#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled split-K program
(split_k.mlir + split_k_driver.cpp, built by quantc-aot) and compares every
output, of both calls, with the NumPy reference (python/quantc/reference.py)
bit for bit: int32 GEMMs at M = 1, 7, 16 and a 48-column tail, the f32 (bias),
f16 (ReLU) and requantized i8 epilogues.

usage: run_split_k_checks.py EXE REFERENCE_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261201)
import reference as ref  # noqa: E402

rng = io.rng
K = 4096


def i8(shape):
    # The full int8 range, -128 included: K * 128 * 128 = 2^26 stays far from
    # int32 overflow, so the sums are exact whatever the slice order.
    return rng.integers(-128, 128, shape, dtype=np.int8)


def scale(shape):
    return (rng.random(shape, dtype=np.float32) * 0.02 + 0.001).astype(np.float32)


x1, x7, x16 = i8((1, K)), i8((7, K)), i8((16, K))
w, wt = i8((4096, K)), i8((4144, K))
xs1, xs7, xs16 = scale((1, 1)), scale((7, 1)), scale((16, 1))
ws, wst = scale((1, 4096)), scale((1, 4144))
b = (rng.standard_normal((1, 4096)) * 4).astype(np.float32)
bt = (rng.standard_normal((1, 4144)) * 4).astype(np.float32)
acc16 = ref.int_matmul(x16, w)
f16 = ref.rescale(acc16, xs16, ws, bias=b, activation="relu")
os_ = np.array([[np.abs(f16).max() / 127]], dtype=np.float32)
io.save(x1=x1, x7=x7, x16=x16, w=w, wt=wt, xs1=xs1, xs7=xs7, xs16=xs16,
        ws=ws, b=b, wst=wst, bt=bt, os=os_)
io.run()

acc7t = ref.int_matmul(x7, wt)
want = {
    "gemm_m1": ref.int_matmul(x1, w),
    "gemm_m7": ref.int_matmul(x7, w),
    "gemm_m16": acc16,
    "tail_m7_i32": acc7t,
    "tail_m7_f32": ref.rescale(acc7t, xs7, wst, bias=bt),
    "f16_relu_m1": ref.rescale(ref.int_matmul(x1, w), xs1, ws,
                               activation="relu").astype(np.float16),
    "requant_m16": ref.rescale(acc16, xs16, ws, bias=b, activation="relu",
                               output_scale=os_),
}
for name, expect in want.items():
    for suffix in ("", ".again"):  # the second call checks the workspace
        io.exact(name + suffix, expect)
io.finish()
