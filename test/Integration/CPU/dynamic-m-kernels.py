# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""int8 GEMMs with a run-time token count M (issues 14/16) on the x86
kernels: the lowering runs whole chunks of `vnni-dynamic-m-chunk` rows and
one static kernel per set bit of the remainder. Bit-exact against NumPy for
every M from 0 to 2*chunk+1 and some larger ones, with a constant weight
(packed once) and a weight passed as an argument (packed at run time, or read
in place by the small_m kernels), a fused per-row (per-token) x_scale, bias
and residual epilogue that is sliced with the rows, plain i32 results, a
requantizing epilogue, threads (vnni-parallel-min-macs=0, 3 threads), on
cpu=vnni-emulated, avx2 and host. No remark may say "reference lowering"."""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

import quantc
from qtest import dense_shaped, libgomp
from quantc import reference as ref

rng = np.random.default_rng(1416)
GOMP = libgomp()
N, K = 37, 70
W = rng.integers(-128, 128, (N, K)).astype(np.int8)
W[0, :] = -128
ws = (rng.random((1, N)) * 0.01 + 0.001).astype(np.float32)
bias = rng.standard_normal((1, N)).astype(np.float32)


def fused_ir(const_weight):
    warg = "" if const_weight else f", %w: tensor<{N}x{K}xi8>"
    wdef = (f"%w = arith.constant {dense_shaped(W)}" if const_weight else "")
    return f"""
func.func @main(%x: tensor<?x{K}xi8>, %xs: tensor<?x1xf32>, %res: tensor<?x{N}xf32>{warg}) -> tensor<?x{N}xf32> {{
  {wdef}
  %ws = arith.constant {dense_shaped(ws)}
  %b = arith.constant {dense_shaped(bias)}
  %acc = quantc.matmul %x, %w : tensor<?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<?x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws bias %b residual %res : (tensor<?x{N}xi32>, tensor<?x1xf32>, tensor<1x{N}xf32>, tensor<1x{N}xf32>, tensor<?x{N}xf32>) -> tensor<?x{N}xf32>
  return %y : tensor<?x{N}xf32>
}}"""


def plain_ir(const_weight):
    warg = "" if const_weight else f", %w: tensor<{N}x{K}xi8>"
    wdef = (f"%w = arith.constant {dense_shaped(W)}" if const_weight else "")
    return f"""
func.func @main(%x: tensor<?x{K}xi8>{warg}) -> tensor<?x{N}xi32> {{
  {wdef}
  %acc = quantc.matmul %x, %w : tensor<?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<?x{N}xi32>
  return %acc : tensor<?x{N}xi32>
}}"""


def requant_ir():
    return f"""
func.func @main(%x: tensor<?x{K}xi8>, %xs: tensor<?x1xf32>) -> tensor<?x{N}xi8> {{
  %w = arith.constant {dense_shaped(W)}
  %ws = arith.constant {dense_shaped(ws)}
  %os = arith.constant dense<0.05> : tensor<1x1xf32>
  %acc = quantc.matmul %x, %w : tensor<?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<?x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os {{activation = #quantc.activation<relu>, qmin = -128 : i64, qmax = 127 : i64}} : (tensor<?x{N}xi32>, tensor<?x1xf32>, tensor<1x{N}xf32>, tensor<1x1xf32>) -> tensor<?x{N}xi8>
  return %y : tensor<?x{N}xi8>
}}"""


flags = open("/proc/cpuinfo").read().split()
cpus = ["vnni-emulated"]
if "avx2" in flags:
    cpus.append("avx2")
cpus.append("host")
failures = 0


def check(label, got, want):
    global failures
    if got.shape != want.shape or not np.array_equal(got, want):
        failures += 1
        err = (np.abs(got.astype(np.float64) - want.astype(np.float64)).max()
               if got.shape == want.shape else "-")
        print(f"FAIL {label}: {got.shape} vs {want.shape}, max error {err}")


def compile_checked(ir, pipeline):
    out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
    if "reference lowering" in diags or "quantc.matmul" in out:
        global failures
        failures += 1
        print(f"FAIL {pipeline}: not on the kernels: {diags}")
    return quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])


def run(cpu, opt, ms, irs=("fused", "plain")):
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{opt}}}"
    for const in [True, False]:
        fused = compile_checked(fused_ir(const), pipeline) \
            if "fused" in irs else None
        plain = compile_checked(plain_ir(const), pipeline) \
            if "plain" in irs else None
        for m in ms:
            x = rng.integers(-128, 128, (m, K)).astype(np.int8)
            xs = (rng.random((m, 1)) * 0.02 + 0.001).astype(np.float32)
            res = rng.standard_normal((m, N)).astype(np.float32)
            acc = ref.int_matmul(x, W)
            if fused:
                args = (x, xs, res) if const else (x, xs, res, W)
                check(f"{pipeline} fused const={const} M={m}",
                      fused.main(*args),
                      ref.rescale(acc, xs, ws, bias=bias, residual=res))
            if plain:
                check(f"{pipeline} plain const={const} M={m}",
                      plain.main(*((x,) if const else (x, W))), acc)


for cpu in cpus:
    # Chunks of 8: every remainder bit pattern, several chunks.
    run(cpu, " vnni-dynamic-m-chunk=8", list(range(0, 18)) + [31, 100])
    requant = compile_checked(
        requant_ir(), f"quantc-cpu-pipeline{{cpu={cpu} vnni-dynamic-m-chunk=4}}")
    for m in [0, 1, 3, 4, 5, 11]:
        x = rng.integers(-128, 128, (m, K)).astype(np.int8)
        xs = (rng.random((m, 1)) * 0.02 + 0.001).astype(np.float32)
        want = ref.rescale(ref.int_matmul(x, W), xs, ws, activation="relu",
                           output_scale=np.full((1, 1), 0.05, np.float32), qmin=-128, qmax=127)
        check(f"{cpu} requant M={m}", requant.main(x, xs), want)
# The default chunk (256) and threads splitting each kernel's panels.
run("host", " vnni-parallel-min-macs=0", [0, 1, 33, 255, 256, 257, 700],
    irs=("fused",))

# Bad chunk sizes are diagnosed, not crashed on.
for bad in ["vnni-dynamic-m-chunk=3", "vnni-dynamic-m-chunk=8192"]:
    try:
        quantc.run_pipeline(plain_ir(True), f"quantc-cpu-pipeline{{{bad}}}")
        failures += 1
        print(f"FAIL {bad} accepted")
    except quantc.CompileError as e:
        if "power of" not in str(e):
            failures += 1
            print(f"FAIL {bad}: {e}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
