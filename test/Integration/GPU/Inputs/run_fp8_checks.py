#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled FP8 program
(fp8_gemm.mlir + fp8_gemm_driver.cpp, built by quantc-aot --chip sm_90a) and
compares the outputs with the NumPy E4M3 simulation (python/quantc/e4m3.py):

- fp8_quantize: the host's E4M3 quantize, bit-exact;
- fp8_gemm: the wgmma e4m3 f32 accumulators against the exact sum of the
  exact E4M3 products, within K * 2^-24 * sum_c |x_c w_c| (the f32
  accumulation order of wgmma is not specified; each addition rounds once);
- fp8_linear: per-token quantize + GEMM + fused rescale and bias, within that
  bound scaled by the scales plus 4 ulp of the epilogue's own rounding.

usage: run_fp8_checks.py EXE PYTHON_QUANTC_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261201)
import e4m3  # noqa: E402

rng = io.rng
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
io.save(xq=xq, wq=wq, x=x, xs=xs, ws=ws, b=b)
io.run()

io.exact("fp8_quantize", e4m3.quantize(x, xs))
io.within("fp8_gemm", e4m3.matmul(xq, wq), e4m3.gemm_tolerance(xq, wq),
          "within K*2^-24*sum|xw|", dtype=np.float32)
xq2 = e4m3.quantize(x, xs)
exact = e4m3.matmul(xq2, wq) * xs.astype(np.float64) * ws.astype(np.float64) + b
tol = (e4m3.gemm_tolerance(xq2, wq) * xs * ws
       + 4 * np.finfo(np.float32).eps * (np.abs(exact) + np.abs(b)))
io.within("fp8_linear", exact, tol, "within the GEMM bound + 4 ulp",
          dtype=np.float32)
io.finish()
