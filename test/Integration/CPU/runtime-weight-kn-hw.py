# REQUIRES: libgomp, amx-int8
# RUN: %python %S/runtime-weight-kn.py amx vnni | FileCheck %S/runtime-weight-kn-hw.py
# CHECK: cpu=amx
# CHECK: cpu=vnni
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""runtime-weight-kn.py on the tiles and vpdpbusd themselves (cpu=amx,
cpu=vnni): runs where the CPU has AMX-INT8 (lit feature amx-int8, which
implies AVX-512 VNNI); runtime-weight-kn.py checks the same kernels
emulated everywhere."""
