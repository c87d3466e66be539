#!/usr/bin/env python3
"""Checks a bench_gemm --dump triple (PREFIX.a.bin, .b.bin, .c.bin) against
NumPy: C == A @ B^T exactly for the first M rows (float64 BLAS is exact here:
|sums| < 2^53). A may hold more rows than M (bench_gemm pads M to 16 with
zero rows); C holds M rows.

usage: check_dump.py PREFIX M N K
"""
import os
import sys

import numpy as np

if len(sys.argv) != 5:
    sys.exit(__doc__)
prefix, m, n, k = sys.argv[1], *map(int, sys.argv[2:5])
label = prefix.split("/")[-1]
for part in "abc":
    if not os.path.exists(f"{prefix}.{part}.bin"):
        print(f"FAIL NumPy check {label}: {prefix}.{part}.bin is missing")
        sys.exit(1)
a = np.fromfile(prefix + ".a.bin", np.int8)
b = np.fromfile(prefix + ".b.bin", np.int8)
c = np.fromfile(prefix + ".c.bin", np.int32)
if a.size < m * k or b.size != n * k or c.size != m * n:
    print(f"FAIL NumPy check {label}: dump sizes {a.size}, {b.size}, {c.size} "
          f"do not fit M={m} N={n} K={k}")
    sys.exit(1)
a, b, c = a[:m * k].reshape(m, k), b.reshape(n, k), c.reshape(m, n)
want = (a.astype(np.float64) @ b.astype(np.float64).T).astype(np.int64)
bad = int(np.sum(c.astype(np.int64) != want))
print(f"{'PASS' if bad == 0 else 'FAIL'} NumPy check {label}: "
      f"{bad} of {c.size} int32 differ")
sys.exit(1 if bad else 0)
