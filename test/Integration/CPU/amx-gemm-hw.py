# REQUIRES: libgomp, amx-int8
# RUN: %python %S/amx-gemm.py amx | FileCheck %S/amx-gemm-hw.py
# CHECK: cpu=amx
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""amx-gemm.py on the tiles themselves (cpu=amx): runs where the CPU has
AMX-INT8 and Linux grants the tile state (lit feature amx-int8, from
/proc/cpuinfo); amx-gemm.py checks the same algorithm emulated
everywhere."""
