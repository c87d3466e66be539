# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""quantc.compute_scale where max|x| / qmax underflows in the scale's type
(f16 values below 127 x 2^-24, f32 subnormals): the scale is the type's
smallest positive value, not 0, which made quantize saturate every value
and dequantize return 0 for the whole row. An all-zero row still gets 1, a
normal row max|x| / 127 rounded to the type. Exact against NumPy on every
x86 code generator: the tiny scale is a power of two, so x / scale is exact
and quantize rounds it half to even."""
import numpy as np

import quantc

failures = 0


def ir(t):
    return f"""func.func @f(%x: tensor<3x4x{t}>) -> (tensor<3x1x{t}>, tensor<3x4xi8>) {{
  %s = quantc.compute_scale %x {{dims = array<i64: 1>}} : tensor<3x4x{t}> -> tensor<3x1x{t}>
  %q = quantc.quantize %x, %s : tensor<3x4x{t}>, tensor<3x1x{t}> -> tensor<3x4xi8>
  return %s, %q : tensor<3x1x{t}>, tensor<3x4xi8>
}}"""


cases = {
    "f16": (np.float16, np.array([[1e-6, -5e-7, 0, 2e-7], [0, 0, 0, 0], [1.0, 2.0, -3.0, 0.5]])),
    "f32": (np.float32, np.array([[1e-44, -4e-45, 0, 3e-45], [0, 0, 0, 0], [1.0, 2.0, -3.0, 0.5]])),
}
for t, (dt, rows) in cases.items():
    x = rows.astype(dt)
    tiny = np.finfo(dt).smallest_subnormal
    want_s = np.array([[tiny], [1], [dt(3.0) / dt(127)]], dt)
    want_q = np.clip(np.rint(x.astype(np.float64) / want_s.astype(np.float64)), -127, 127).astype(np.int8)
    for cpu in ("host", "vnni-emulated", "avx2", "generic"):
        s, q = quantc.compile_cpu(ir(t), f"quantc-cpu-pipeline{{cpu={cpu}}}").f(x)
        ok = np.array_equal(s, want_s) and np.array_equal(q, want_q)
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'}: {t} cpu={cpu} scale {s.ravel()} q[0] {q[0]}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
