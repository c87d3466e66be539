#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled epilogues program
(epilogues.mlir + epilogues_driver.cpp, built by quantc-aot) and compares every
output with the NumPy reference (python/quantc/reference.py): bit-exact for
int32, f32 (no GELU), f16 and requantized i8; GELU within 1e-5 relative +
1e-6 absolute (the device erf is libdevice's, NumPy's is math.erf in double).

usage: run_gpu_checks.py EXE REFERENCE_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261122)
import reference as ref  # noqa: E402

rng = io.rng
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
io.save(x=x, w=w, sx=sx, sw=sw, xs=xs, ws=ws, b=b, os=os_, ts=ts)
io.run()

io.exact("gemm_i32", acc)
io.exact("gemm_small", ref.int_matmul(sx, sw))
io.exact("rescale_f32", ref.rescale(acc, xs, ws, bias=b))
io.exact("rescale_f16_relu",
         ref.rescale(acc, xs, ws, activation="relu").astype(np.float16))
io.exact("requant_i8",
         ref.rescale(acc, xs, ws, bias=b, activation="relu", output_scale=os_))
gelu = ref.rescale(acc, ts, ws, activation="gelu")
io.within("gelu_f32", gelu, 1e-6 + 1e-5 * np.abs(gelu),
          "within 1e-5 relative + 1e-6")
io.finish()
