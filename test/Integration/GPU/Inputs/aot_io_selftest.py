#!/usr/bin/env python3
"""Checks aot_io.py's comparisons without a GPU: fake_aot_program.sh (the
EXE) copies the inputs to the outputs, changing one byte of one, truncating
one and leaving one out; each check must say PASS or FAIL accordingly.

usage: aot_io_selftest.py FAKE_EXE REFERENCE_DIR WORKDIR
"""
import numpy as np

from aot_io import Aot

io = Aot(7)
x = io.rng.integers(-128, 128, (5, 8), dtype=np.int8)
f = io.rng.standard_normal((3, 4)).astype(np.float32)
h = f.astype(np.float16)
io.save(x=x, y=x, f=f, h=h, t=f)
io.run()
io.exact("x", x)  # copied: PASS
io.exact("y", x)  # one byte changed: FAIL
io.within("f", f.astype(np.float64) + 1e-3, 2e-3, "within 2e-3",
          dtype=np.float32)  # PASS
io.within("f_tight", f.astype(np.float64) + 1e-3, 1e-4, "within 1e-4",
          out="f", dtype=np.float32)  # FAIL
io.within("f_shape", np.zeros((4, 4)), 1.0, "within 1", out="f",
          dtype=np.float32)  # FAIL (size)
io.exact("h", h)  # f16 bit for bit: PASS
io.exact("t", f)  # truncated: FAIL (size)
io.exact("missing", x)  # never written: FAIL
io.finish()
