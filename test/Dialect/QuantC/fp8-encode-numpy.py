# RUN: %python %s quantc-opt | FileCheck %s
# The compiler's E4M3 rule (encodeE4M3FN, through the constant folder of
# quantc.quantize) against the independent NumPy simulation
# (python/quantc/e4m3.py, a nearest-value table search): random values over
# six decades, every tie between consecutive E4M3 values (both signs), NaN,
# infinities and saturation.
# CHECK: values 3258, mismatches 0
import re
import sys
import struct
import subprocess

import numpy as np

from quantc import e4m3

rng = np.random.default_rng(5)
x = (rng.standard_normal(3000) * rng.choice([1e-3, 0.02, 1, 30, 500], 3000)).astype(np.float32)
v = e4m3.decode(np.arange(0x7E, dtype=np.uint8)).astype(np.float64)
mids = ((v[:-1] + v[1:]) / 2).astype(np.float32)
special = np.array([np.nan, np.inf, -np.inf, 448, 449, 464, -465, 1e30], dtype=np.float32)
x = np.concatenate([x, mids, -mids, special])
vals = ", ".join("0x%08X" % struct.unpack("<I", struct.pack("<f", f))[0] for f in x)
n = len(x)
src = f"""func.func @f() -> tensor<{n}xi8> {{
  %x = arith.constant dense<[{vals}]> : tensor<{n}xf32>
  %s = arith.constant dense<1.0> : tensor<1xf32>
  %q = quantc.quantize %x, %s : tensor<{n}xf32>, tensor<1xf32> -> tensor<{n}xf8E4M3FN>
  %b = arith.bitcast %q : tensor<{n}xf8E4M3FN> to tensor<{n}xi8>
  return %b : tensor<{n}xi8>
}}"""
r = subprocess.run([sys.argv[1], "--canonicalize",
                    "-mlir-print-elementsattrs-with-hex-if-larger=100000"],
                   input=src, capture_output=True, text=True, check=True)
m = re.search(r"dense<\[([^\]]*)\]> : tensor<\d+xi8>", r.stdout)
got = np.array([int(t) for t in m.group(1).split(",")], dtype=np.int64).astype(np.int8).view(np.uint8)
want = e4m3.encode(x)
print(f"values {n}, mismatches {int(np.sum(got != want))}")
