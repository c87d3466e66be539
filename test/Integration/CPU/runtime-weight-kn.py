# REQUIRES: libgomp
# RUN: %python %s vnni-emulated amx-emulated | FileCheck %s
# CHECK: cpu=vnni-emulated
# CHECK: cpu=amx-emulated
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Run-time weights stored [K, N] (transpose_rhs: attention's P.V with V
[S, D], an NN linear) packed by the kernels from that layout (weight_kn
plans: no transposed copy per call, no remark), bit-exact against NumPy's
int64 product: 2-D GEMMs (odd M, N, K, K % 4 != 0, M below amx-min-m, a
per-tensor activation and per-channel weight zero point with an f32
rescale), batched GEMMs (batch 1, 3 and 33; P.V 128 x 128 x 128), a dynamic
M (1, 17, 300 rows), -128 in both operands; serial, and split over 2
threads with small panel blocks (several packed blocks per call). The CPUs
come from the command line (runtime-weight-kn-hw.py runs cpu=amx and vnni
on a CPU that has them)."""
import os
import sys

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

import quantc
from gemm_cases import GemmCases
from quantc import reference as ref

CPUS = sys.argv[1:] or ["vnni-emulated"]
cases = GemmCases(1616)
rng = cases.rng
fail, check = cases.fail, cases.check


def i8(shape):
    return cases.i8(shape, every=7)


def t(shape, elem="i8"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def nn_matmul(x, w):
    """x [..., M, K] times w [..., K, N] in int64, checked to fit int32."""
    acc = x.astype(np.int64) @ w.astype(np.int64)
    assert np.abs(acc).max() < 2**31
    return acc.astype(np.int32)


def gemm_ir(xs, ws, out):
    return (f"func.func @main(%x: {t(xs)}, %w: {t(ws)}) -> {t(out, 'i32')} {{\n"
            f"  %r = quantc.matmul %x, %w {{transpose_rhs}} : {t(xs)}, "
            f"{t(ws)} -> {t(out, 'i32')}\n  return %r : {t(out, 'i32')}\n}}")


def zp_ir(m, n, k, zx):
    """An NN GEMM with zero points (zx constant, zw [1, n] an argument) and
    an f32 rescale (x per row, w per column)."""
    acc = t([m, n], "i32")
    return f"""func.func @main(%x: {t([m, k])}, %w: {t([k, n])}, %zw: {t([1, n], 'i32')}, %xs: {t([m, 1], 'f32')}, %ws: {t([1, n], 'f32')}) -> {t([m, n], 'f32')} {{
  %zx = arith.constant dense<{zx}> : tensor<1x1xi32>
  %acc = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1xi32>) rhs_zero_point(%zw : {t([1, n], 'i32')}) {{transpose_rhs}} : {t([m, k])}, {t([k, n])} -> {acc}
  %y = quantc.rescale %acc, %xs, %ws : ({acc}, {t([m, 1], 'f32')}, {t([1, n], 'f32')}) -> {t([m, n], 'f32')}
  return %y : {t([m, n], 'f32')}
}}"""


def lowering_of(cpu):
    isa = "amx" if cpu.startswith("amx") else "avx512-vnni"
    emulate = " emulate=true" if cpu.endswith("emulated") else ""
    return f"quantc-lower-matmul-to-x86{{isa={isa}{emulate}}}"


def expect_kn(label, ir, cpu):
    """The kernels take the [K, N] weight: no transpose, no remark but the
    small-M one, a weight_kn plan."""
    lowered, diags = quantc.run_pipeline(ir, lowering_of(cpu),
                                         return_diagnostics=True)
    other = [d for d in diags.splitlines()
             if "remark" in d and "below amx-min-m" not in d]
    if other or "linalg.transpose" in lowered or "weight_kn = true" not in lowered:
        fail(f"{label}: the [K, N] weight is not packed in place: {diags}")


# N = 200 and 257: several 64-column steps of the packer, then 16-column
# chunks (amx: 32-column panels) or a step past N (vnni: 64-column panels).
GEMMS = [(45, 70, 67), (33, 19, 13), (64, 33, 130), (8, 20, 130),
         (100, 50, 258), (32, 129, 1001), (40, 200, 131), (33, 257, 66)]
BATCHED = [(1, 64, 96, 128), (33, 40, 19, 37), (3, 128, 128, 128),
           (33, 5, 17, 70), (2, 64, 200, 67)]
VARIANTS = ["", " vnni-parallel-min-macs=0 vnni-panel-block-kib=1"]

for cpu in CPUS:
    print(f"cpu={cpu}")
    for variant in VARIANTS:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{variant}}}"
        for m, n, k in GEMMS:
            label = f"{pipeline} 2-D {m}x{n}x{k}"
            ir = gemm_ir([m, k], [k, n], [m, n])
            if variant == "":
                expect_kn(label, ir, cpu)
            mod = quantc.compile_cpu(ir, pipeline, shared_libs=[cases.gomp])
            for call in range(2):
                x, w = i8((m, k)), i8((k, n))
                w[:, 0] = -128
                check(f"{label} call {call}", mod.main(x, w), nn_matmul(x, w))
        for bt, m, n, k in BATCHED:
            label = f"{pipeline} batched {bt}x{m}x{n}x{k}"
            ir = gemm_ir([bt, m, k], [bt, k, n], [bt, m, n])
            if variant == "":
                expect_kn(label, ir, cpu)
            mod = quantc.compile_cpu(ir, pipeline, shared_libs=[cases.gomp])
            x, w = i8((bt, m, k)), i8((bt, k, n))
            check(label, mod.main(x, w), nn_matmul(x, w))
        # A dynamic M: the row chunks' kernels share the [K, N] weight.
        n, k = 50, 67
        label = f"{pipeline} dynamic M x{n}x{k}"
        ir = gemm_ir(["?", k], [k, n], ["?", n])
        if variant == "":
            expect_kn(label, ir, cpu)
        mod = quantc.compile_cpu(ir, pipeline, shared_libs=[cases.gomp])
        w = i8((k, n))
        for m in [1, 17, 300]:
            x = i8((m, k))
            check(f"{label} M={m}", mod.main(x, w), nn_matmul(x, w))
        # Zero points in the kernel, with an f32 rescale.
        for m, n, k in [(45, 70, 67), (64, 33, 128), (45, 130, 67)]:
            label = f"{pipeline} zero points {m}x{n}x{k}"
            ir = zp_ir(m, n, k, -37)
            if variant == "":
                expect_kn(label, ir, cpu)
            mod = quantc.compile_cpu(ir, pipeline, shared_libs=[cases.gomp])
            x, w = i8((m, k)), i8((k, n))
            zw = rng.integers(-128, 128, (1, n)).astype(np.int32)
            xs = rng.uniform(0.01, 0.02, (m, 1)).astype(np.float32)
            ws = rng.uniform(0.01, 0.02, (1, n)).astype(np.float32)
            acc = ref.int_matmul(x, np.ascontiguousarray(w.T), -37,
                                 zw.reshape(n, 1))
            check(label, mod.main(x, w, zw, xs, ws), ref.rescale(acc, xs, ws))

cases.report()
