#!/usr/bin/env python3
"""On a GPU machine: feeds random inputs to the AOT-compiled convolution
program (conv.mlir + conv_driver.cpp, built by quantc-aot) and compares every
output with a NumPy reference bit for bit: the int32 convolution summed over
the window directly (not through an im2col), then the rescale of
python/quantc/reference.py.

usage: run_conv_checks.py EXE REFERENCE_DIR WORKDIR   (see aot_io.py)
"""
import numpy as np

from aot_io import Aot

io = Aot(20261201)
import reference as ref  # noqa: E402

rng = io.rng
x = rng.integers(-127, 128, (2, 17, 17, 32), dtype=np.int8)
w = rng.integers(-127, 128, (3, 3, 32, 64), dtype=np.int8)
xs = np.array([0.0123], dtype=np.float32).reshape(1, 1, 1, 1)
ws = (rng.random((1, 1, 1, 64), dtype=np.float32) * 0.02 + 0.001).astype(np.float32)
io.save(x=x, w=w, xs=xs, ws=ws)
io.run()


def conv(stride, dilation):
    """NHWC x HWCF, no padding: out[n, i, j, f] = sum over (kh, kw, c) of
    x[n, i*s + kh*d, j*s + kw*d, c] * w[kh, kw, c, f], in int64."""
    kh, kw = w.shape[:2]
    oh = (x.shape[1] - dilation * (kh - 1) - 1) // stride + 1
    ow = (x.shape[2] - dilation * (kw - 1) - 1) // stride + 1
    acc = np.zeros((x.shape[0], oh, ow, w.shape[3]), dtype=np.int64)
    xi, wi = x.astype(np.int64), w.astype(np.int64)
    for a in range(kh):
        for b in range(kw):
            win = xi[:, a * dilation:a * dilation + stride * (oh - 1) + 1:stride,
                     b * dilation:b * dilation + stride * (ow - 1) + 1:stride, :]
            acc += np.einsum("nijc,cf->nijf", win, wi[a, b])
    return acc.astype(np.int32)


for name, s, d in (("conv_s2", 2, 1), ("conv_d2", 1, 2)):
    io.exact(name, ref.rescale(conv(s, d), xs, ws))
io.finish()
