# REQUIRES: libgomp
# RUN: %python %s amx-emulated | FileCheck %s
# CHECK: cpu=amx-emulated
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""The AMX-INT8 kernels (quantc-cpu-pipeline{cpu=amx}: tdpbssd tiles for
int8 GEMMs of at least 32 rows, avx512-vnni below), bit-exact against NumPy
(int64). Run here with the tile ops emulated (cpu=amx-emulated: the same
blocking, A / B tile addresses and K padding, as i32 vector arithmetic),
so that any CPU checks the algorithm; amx-gemm-hw.py runs the same script
with cpu=amx on a CPU with AMX-INT8 (lit feature amx-int8).

Odd M, N, K (not multiples of 16 / 32 / 64, K % 4 != 0, a tail row tile
of fewer than 16 rows and one of more), -128 inputs, constant weights
(packed at compile time), run-time weights (packed per call, one block or
several), load-time weights (weights=load: packed by __quantc_prepare),
activation and per-channel weight zero points, i32 / f32 / requantized i8
outputs, 2 threads; M < 32 takes the avx512-vnni kernels (the plan says
which). K % 64 == 0 reads whole A tiles in place. u8 activations (the
bytes of an `xori 0x80`, as u8 storage imports) take tdpbusd with and
without zero points."""
import os
import sys

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

import quantc
from qtest import dense_shaped, libgomp
from quantc import reference as ref

CPU = sys.argv[1] if len(sys.argv) > 1 else "amx-emulated"
print(f"cpu={CPU}")
rng = np.random.default_rng(6)
GOMP = libgomp()
failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL", msg)


def check(label, got, want):
    global checks
    checks += 1
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or not np.array_equal(got, want):
        err = (np.abs(got.astype(np.int64) - want.astype(np.int64)).max()
               if got.shape == want.shape else "-")
        fail(f"{label}: {got.shape} vs {want.shape}, max error {err}")


def i8(shape):
    v = rng.integers(-128, 128, shape).astype(np.int8)
    v.reshape(-1)[:: 7] = -128
    return v


def ir_for(m, n, k, w, zx, zw, out):
    """@main(x [, w]) with W a constant (w given), a dense_resource (w ==
    "resource") or an argument (w None); zero points zx (a constant) and zw
    ([1, n] constant) or None; out: "i32", "f32" (x per-row, w per-column
    scales) or "i8" (and requantized by 0.25, ReLU)."""
    xt, wt = f"tensor<{m}x{k}xi8>", f"tensor<{n}x{k}xi8>"
    args = [f"%x: {xt}"]
    body = []
    if w is None:
        args.append(f"%w: {wt}")
    elif isinstance(w, str):
        body.append(f"%w = arith.constant dense_resource<w> : {wt}")
    else:
        body.append(f"%w = arith.constant {dense_shaped(w)}")
    zps = ""
    if zx is not None:
        body.append(f"%zx = arith.constant dense<{zx}> : tensor<1x1xi32>")
        zps += " lhs_zero_point(%zx : tensor<1x1xi32>)"
    if zw is not None:
        body.append(f"%zw = arith.constant {dense_shaped(zw)}")
        zps += f" rhs_zero_point(%zw : tensor<1x{n}xi32>)"
    acc_t = f"tensor<{m}x{n}xi32>"
    body.append(f"%acc = quantc.matmul %x, %w{zps} : {xt}, {wt} -> {acc_t}")
    if out == "i32":
        ret = ("%acc", acc_t)
    else:
        args += [f"%xs: tensor<{m}x1xf32>", f"%ws: tensor<1x{n}xf32>"]
        if out == "f32":
            body.append(f"%y = quantc.rescale %acc, %xs, %ws : ({acc_t}, "
                        f"tensor<{m}x1xf32>, tensor<1x{n}xf32>) -> "
                        f"tensor<{m}x{n}xf32>")
            ret = ("%y", f"tensor<{m}x{n}xf32>")
        else:
            body.append("%os = arith.constant dense<0.25> : tensor<1x1xf32>")
            body.append(f"%y = quantc.rescale %acc, %xs, %ws output_scale %os "
                        "{activation = #quantc.activation<relu>, qmin = -128 "
                        f": i64, qmax = 127 : i64}} : ({acc_t}, "
                        f"tensor<{m}x1xf32>, tensor<1x{n}xf32>, "
                        f"tensor<1x1xf32>) -> tensor<{m}x{n}xi8>")
            ret = ("%y", f"tensor<{m}x{n}xi8>")
    lines = "\n  ".join(body)
    return (f"func.func @main({', '.join(args)}) -> {ret[1]} {{\n  {lines}\n"
            f"  return {ret[0]} : {ret[1]}\n}}")


def expect_isa(label, ir, m):
    """The plan: amx from 32 rows, avx512_vnni below."""
    lowered = quantc.run_pipeline(
        ir, "quantc-lower-matmul-to-x86{isa=amx emulate=true}")
    want = "isa = amx" if m >= 32 else "isa = avx512_vnni"
    if want not in lowered:
        fail(f"{label}: expected a plan with {want}")
    if CPU == "amx" and m >= 32:
        out = quantc.run_pipeline(ir, f"quantc-cpu-pipeline{{cpu={CPU}}}")
        if "llvm.x86.tdpbssd.internal" not in out:
            fail(f"{label}: no tdpbssd in the lowered module")


# K % 64 == 0: the whole 16-row A tiles are read in place (a tail of 16
# rows too; one of 8 is packed).
SHAPES = [(32, 16, 64), (33, 19, 13), (45, 70, 67), (64, 33, 130),
          (100, 50, 258), (40, 129, 1001), (7, 40, 70), (80, 40, 192),
          (72, 33, 256)]
VARIANTS = ["", " vnni-parallel-min-macs=0", " vnni-panel-block-kib=1"]

for variant in VARIANTS:
    pipeline = f"quantc-cpu-pipeline{{cpu={CPU}{variant}}}"
    for m, n, k in SHAPES:
        w = i8((n, k))
        w[0, :] = -128
        for const in [True, False]:
            label = f"{pipeline} {m}x{n}x{k} const={const}"
            ir = ir_for(m, n, k, w if const else None, None, None, "i32")
            _, diags = quantc.run_pipeline(ir, pipeline,
                                           return_diagnostics=True)
            if "reference lowering" in diags:
                fail(f"{label}: {diags}")
            if variant == "":
                expect_isa(label, ir, m)
            mod = quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])
            for call in range(2):
                x = i8((m, k))
                got = mod.main(x) if const else mod.main(x, w)
                check(f"{label} call {call}", got, ref.int_matmul(x, w))

# Zero points (per-tensor activation, per-channel weight) with f32 and
# requantized i8 outputs, constant, run-time and load-time weights.
for variant in ["", " vnni-parallel-min-macs=0"]:
    for m, n, k in [(45, 70, 67), (33, 19, 39), (64, 50, 130)]:
        w = i8((n, k))
        zw = rng.integers(-128, 128, (1, n)).astype(np.int32)
        zx = -37
        xs = rng.uniform(0.01, 0.02, (m, 1)).astype(np.float32)
        ws = rng.uniform(0.01, 0.02, (1, n)).astype(np.float32)
        for out in ["f32", "i8"]:
            for kind in ["const", "runtime", "load"]:
                for zps in [(zx, None), (None, zw), (zx, zw)]:
                    pipeline = (f"quantc-cpu-pipeline{{cpu={CPU}"
                                f"{' weights=load' if kind == 'load' else ''}"
                                f"{variant}}}")
                    label = (f"{pipeline} {m}x{n}x{k} {out} {kind} "
                             f"zx={zps[0] is not None} zw={zps[1] is not None}")
                    wsrc = {"const": w, "runtime": None, "load": "resource"}
                    ir = ir_for(m, n, k, wsrc[kind], zps[0], zps[1], out)
                    _, diags = quantc.run_pipeline(
                        ir if kind != "load" else ir.replace(
                            "dense_resource<w>", dense_shaped(w).split(
                                " : ")[0]),
                        pipeline.replace(" weights=load", ""),
                        return_diagnostics=True)
                    if "corrected in i32" in diags or \
                            "reference lowering" in diags:
                        fail(f"{label}: zero points not in the kernel: "
                             f"{diags}")
                    if kind == "load":
                        mod = quantc.Module(ir, {"w": w}).compile(
                            pipeline, shared_libs=[GOMP])
                        if [p[0] for p in mod.params] != ["w"]:
                            fail(f"{label}: not a load-time weight")
                    else:
                        mod = quantc.compile_cpu(ir, pipeline,
                                                 shared_libs=[GOMP])
                    x = i8((m, k))
                    args = [x] + ([w] if kind == "runtime" else []) + [xs, ws]
                    acc = ref.int_matmul(
                        x, w, zps[0],
                        None if zps[1] is None else zps[1].reshape(n, 1))
                    if out == "f32":
                        want = ref.rescale(acc, xs, ws)
                    else:
                        want = ref.rescale(acc, xs, ws, None, "relu",
                                           np.array([[0.25]], np.float32),
                                           qmin=-128, qmax=127)
                    check(label, mod.main(*args), want)

# u8 activations: the kernel reads the bytes under `x = xu xor 0x80`
# (tdpbusd, u8 x s8, compensation -(128 + zx) * colsum(W)); constant,
# run-time and load-time weights, with and without zero points, packed and
# in-place A tiles.
def u8_ir(m, n, k, wsrc, zx, zw):
    xt, wt = f"tensor<{m}x{k}xi8>", f"tensor<{n}x{k}xi8>"
    ir = ir_for(m, n, k, wsrc, zx, zw, "f32").replace(
        f"%x: {xt}", f"%xu: {xt}")
    return ir.replace(
        "{\n", "{\n  %sign = arith.constant dense<-128> : " + xt +
        f"\n  %x = arith.xori %xu, %sign : {xt}\n", 1)


for variant in ["", " vnni-parallel-min-macs=0"]:
    for m, n, k in [(45, 70, 67), (64, 50, 128), (96, 33, 192)]:
        w = i8((n, k))
        zw = rng.integers(-128, 128, (1, n)).astype(np.int32)
        xs = rng.uniform(0.01, 0.02, (m, 1)).astype(np.float32)
        ws = rng.uniform(0.01, 0.02, (1, n)).astype(np.float32)
        for kind in ["const", "runtime", "load"]:
            for zps in [(None, None), (-37, None), (None, zw), (100, zw)]:
                pipeline = (f"quantc-cpu-pipeline{{cpu={CPU}"
                            f"{' weights=load' if kind == 'load' else ''}"
                            f"{variant}}}")
                label = (f"{pipeline} u8 {m}x{n}x{k} {kind} "
                         f"zx={zps[0]} zw={zps[1] is not None}")
                wsrc = {"const": w, "runtime": None, "load": "resource"}
                ir = u8_ir(m, n, k, wsrc[kind], zps[0], zps[1])
                plain = ir if kind != "load" else ir.replace(
                    "dense_resource<w>", dense_shaped(w).split(" : ")[0])
                # The tile ops (lowered, not run): every product zero
                # extends A.
                lowered, diags = quantc.run_pipeline(
                    plain, "quantc-lower-matmul-to-x86{isa=amx}",
                    return_diagnostics=True)
                muls = [ln for ln in lowered.splitlines()
                        if "amx.tile_muli" in ln]
                if "corrected in i32" in diags or not muls or not all(
                        " zext," in ln for ln in muls):
                    fail(f"{label}: the u8 bytes are not tdpbusd's A: "
                         f"{diags}")
                if CPU == "amx" and variant == "" and kind != "load":
                    llvm = quantc.run_pipeline(
                        plain, f"quantc-cpu-pipeline{{cpu={CPU}}}")
                    if "llvm.x86.tdpbusd.internal" not in llvm:
                        fail(f"{label}: no tdpbusd in the lowered module")
                if kind == "load":
                    mod = quantc.Module(ir, {"w": w}).compile(
                        pipeline, shared_libs=[GOMP])
                else:
                    mod = quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])
                xu = rng.integers(0, 256, (m, k))
                xu.reshape(-1)[::5] = 0
                xu.reshape(-1)[1::5] = 255
                xb = xu.astype(np.uint8).view(np.int8)
                x = (xu - 128).astype(np.int8)
                args = [xb] + ([w] if kind == "runtime" else []) + [xs, ws]
                acc = ref.int_matmul(
                    x, w, zps[0],
                    None if zps[1] is None else zps[1].reshape(n, 1))
                check(label, mod.main(*args), ref.rescale(acc, xs, ws))

print("ALL PASSED" if failures == 0 else f"{failures} FAILED", f"({checks} checks)")
