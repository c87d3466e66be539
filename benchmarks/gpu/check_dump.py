#!/usr/bin/env python3
"""Checks a bench_gemm --dump triple (A, B, C) against NumPy: C == A @ B^T
exactly (float64 BLAS is exact here: |sums| < 2^53)."""
import sys

import numpy as np

prefix, m, n, k = sys.argv[1], *map(int, sys.argv[2:5])
a = np.fromfile(prefix + ".a.bin", np.int8).reshape(m, k)
b = np.fromfile(prefix + ".b.bin", np.int8).reshape(n, k)
c = np.fromfile(prefix + ".c.bin", np.int32).reshape(m, n)
want = (a.astype(np.float64) @ b.astype(np.float64).T).astype(np.int64)
bad = int(np.sum(c.astype(np.int64) != want))
print(f"{'PASS' if bad == 0 else 'FAIL'} NumPy check {prefix.split('/')[-1]}: "
      f"{bad} of {c.size} int32 differ")
sys.exit(1 if bad else 0)
