#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled host-fallback
program (host_fallback.mlir + host_fallback_driver.cpp, built by quantc-aot)
and compares every output with the NumPy reference
(python/quantc/reference.py) bit for bit: a K = 16 GEMM with a fused rescale,
bias and ReLU and an N = 24 GEMM, both on the host, and a GEMM on the GPU
whose requantized output feeds an N = 24 GEMM on the host.

usage: run_host_fallback_checks.py EXE REFERENCE_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261201)
import reference as ref  # noqa: E402

rng = io.rng


def i8(*shape):
    return rng.integers(-128, 128, shape, dtype=np.int8)


def scale(*shape):
    return (rng.random(shape, dtype=np.float32) * 0.02 + 0.001).astype(np.float32)


kx, kw, kxs, kws = i8(33, 16), i8(48, 16), scale(33, 1), scale(1, 48)
kb = (rng.standard_normal((1, 48)) * 4).astype(np.float32)
nx, nw = i8(64, 64), i8(24, 64)
gx, gw1, gw2, gxs, gws1 = i8(32, 128), i8(64, 128), i8(24, 64), scale(32, 1), \
    scale(1, 64)
h = ref.rescale(ref.int_matmul(gx, gw1), gxs, gws1, activation="relu")
ghs = np.array([[np.abs(h).max() / 127]], dtype=np.float32)
io.save(kx=kx, kw=kw, kxs=kxs, kws=kws, kb=kb, nx=nx, nw=nw, gx=gx, gw1=gw1,
        gw2=gw2, gxs=gxs, gws1=gws1, ghs=ghs)
io.run()

io.exact("host_k16_f32", ref.rescale(ref.int_matmul(kx, kw), kxs, kws, bias=kb,
                                     activation="relu"))
io.exact("host_n24_i32", ref.int_matmul(nx, nw))
h8 = ref.rescale(ref.int_matmul(gx, gw1), gxs, gws1, activation="relu",
                 output_scale=ghs)
io.exact("gpu_then_host", ref.int_matmul(h8, gw2))
io.finish()
