# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Asymmetric int8 GEMMs (issue 17 item 3) through the CPU pipeline, from
upstream quant types: u8 activations ([0, 255] with a zero point, passed as
np.uint8 arrays: an i8 argument whose every use is a quant.scast to u8
storage takes np.uint8), i8 activations with a zero point, i8 weights with a
per-output-channel zero point, and both. Bit-exact against NumPy: the exact
integer sum of (x - zx)(w - zw) (int64) through reference.rescale.

Odd M, N, K with K % 4 != 0; values and zero points at the ends of their
ranges (0 and 255, -128 and 127); constant weights (packed at compile time)
and weights passed at run time (packed per call, or read in place by the
small_m kernel for M <= 32); a serial plan and a parallel one on 2 threads;
on cpu=vnni-emulated, avx2 and host. The per-tensor activation zero point
and the per-channel weight zero point run in the kernels (no remark may say
they are corrected after the GEMM); a per-token activation zero point is
corrected after the GEMM, with a remark, and checked too."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

import quantc
from qtest import dense_shaped, libgomp
from quantc import reference as ref

rng = np.random.default_rng(1703)
GOMP = libgomp()
N, K = 19, 39


def scales(n):
    # Powers of two and short decimals: what the quant type prints is the
    # float32 the reference uses.
    return [float(np.float32(v)) for v in rng.choice(
        [0.03125, 0.0123, 0.5, 0.007, 0.25], n)]


def qtype(storage, scale, zp):
    return f"!quant.uniform<{storage}:f32, {scale!r}:{zp}>"


def axis_qtype(storage, axis, scs, zps):
    items = ", ".join(f"{s!r}:{z}" for s, z in zip(scs, zps))
    return f"!quant.uniform<{storage}:f32:{axis}, {{{items}}}>"


def build_ir(m, act, w_type, w, const_w):
    """@main(x bytes [, w]) -> f32: dcast(scast(x)) x dcast(scast(w))^T."""
    xt = f"tensor<{m}x{K}xi8>"
    wt = f"tensor<{N}x{K}xi8>"
    warg = "" if const_w else f", %w: {wt}"
    wdef = "" if not const_w else f"%w = arith.constant {dense_shaped(w)}"
    return f"""
func.func @main(%x: {xt}{warg}) -> tensor<{m}x{N}xf32> {{
  {wdef}
  %xq = quant.scast %x : {xt} to tensor<{m}x{K}x{act}>
  %xd = quant.dcast %xq : tensor<{m}x{K}x{act}> to tensor<{m}x{K}xf32>
  %wq = quant.scast %w : {wt} to tensor<{N}x{K}x{w_type}>
  %wd = quant.dcast %wq : tensor<{N}x{K}x{w_type}> to tensor<{N}x{K}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{N}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<{m}x{N}xf32>) -> tensor<{m}x{N}xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>]
         ins(%xd, %wd : tensor<{m}x{K}xf32>, tensor<{N}x{K}xf32>) outs(%init : tensor<{m}x{N}xf32>) -> tensor<{m}x{N}xf32>
  return %y : tensor<{m}x{N}xf32>
}}"""


failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def check(label, got, want):
    global checks
    checks += 1
    if got.shape != want.shape or not np.array_equal(got, want):
        err = (np.abs(got.astype(np.float64) - want.astype(np.float64)).max()
               if got.shape == want.shape else "-")
        fail(f"{label}: {got.shape} vs {want.shape}, max error {err}")


def activation(kind, m):
    """(bytes as int8, values, quant type, per-row zero points or scalar,
    scale [1|m, 1])."""
    if kind == "u8":
        vals = rng.integers(0, 256, (m, K))
        vals[0, 0], vals[-1, -1] = 0, 255
        zx = int(rng.choice([0, 255, 37]))
        s = scales(1)[0]
        return (vals.astype(np.uint8), vals, qtype("u8", s, zx),
                zx, np.full((1, 1), s, np.float32), False)
    if kind == "i8":
        vals = rng.integers(-128, 128, (m, K))
        vals[0, 0], vals[-1, -1] = -128, 127
        zx = int(rng.choice([-128, 127, -5]))
        s = scales(1)[0]
        return (vals.astype(np.int8), vals, qtype("i8", s, zx), zx,
                np.full((1, 1), s, np.float32), False)
    if kind == "i8-sym":
        vals = rng.integers(-128, 128, (m, K))
        s = scales(1)[0]
        return (vals.astype(np.int8), vals, qtype("i8", s, 0), 0,
                np.full((1, 1), s, np.float32), False)
    # u8 per token: a scale and zero point per row (per-axis on axis 0).
    vals = rng.integers(0, 256, (m, K))
    zx = rng.integers(0, 256, (m, 1))
    scs = scales(m)
    return (vals.astype(np.uint8), vals,
            axis_qtype("u8", 0, scs, zx[:, 0]), zx,
            np.array(scs, np.float32).reshape(m, 1), True)


def weight(with_zp):
    w = rng.integers(-128, 128, (N, K)).astype(np.int8)
    w[0, :] = -128
    w[1, :] = 127
    scs = scales(N)
    zw = (rng.integers(-128, 128, N) if with_zp else np.zeros(N, np.int64))
    if with_zp:
        zw[:3] = [-128, 127, 0]
    return (w, axis_qtype("i8", 0, scs, zw), zw.reshape(N, 1),
            np.array(scs, np.float32).reshape(1, N))


flags = open("/proc/cpuinfo").read().split()
cpus = ["vnni-emulated"]
if "avx2" in flags:
    cpus.append("avx2")
cpus.append("host")

CASES = [("u8", False), ("i8", True), ("u8", True), ("i8-sym", True),
         ("u8-token", False), ("u8-token", True)]

# M = 1 and 7 (small_m kernels with a run-time weight), 45 (row tiles and
# a tail, on 2 threads with a parallel plan), 300 (a packed weight: blocks
# of 64 rows on the thread team, the per-row operands sliced, then a
# 44-row tail kernel).
RUNS = [(1, ""), (7, ""), (45, " vnni-parallel-min-macs=0"),
        (300, " vnni-parallel-min-macs=0")]

for cpu in cpus:
    for m, opt in RUNS:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{opt}}}"
        for act_kind, w_zp in CASES:
            for const_w in [True, False]:
                xb, xv, xtype, zx, xs, per_token = activation(act_kind, m)
                w, wtype, zw, ws = weight(w_zp)
                ir = build_ir(m, xtype, wtype, w, const_w)
                label = (f"{pipeline} {act_kind} w_zp={w_zp} "
                         f"const={const_w} M={m}")
                out, diags = quantc.run_pipeline(
                    ir, pipeline, return_diagnostics=True)
                if "quantc.matmul" in out or "reference lowering" in diags:
                    fail(f"{label}: not on the kernels: {diags}")
                # One token's zero point is a per-tensor one.
                expanded = "corrected in i32 after it" in diags
                if expanded != (per_token and m > 1):
                    fail(f"{label}: zero points corrected after the "
                         f"kernel: {expanded}, expected {per_token}: "
                         f"{diags}")
                mod = quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])
                got = mod.main(xb) if const_w else mod.main(xb, w)
                acc = ref.int_matmul(xv, w, zx, zw)
                check(label, got, ref.rescale(acc, xs, ws))

# A run-time token count (dynamic M, issue 16): chunks of 8 rows and one
# kernel per set bit of the remainder, u8 activations with a zero point
# against a weight with per-channel zero points; the row sums and the
# weight zero point are read per row slice.
for cpu in cpus:
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu} vnni-dynamic-m-chunk=8}}"
    s = scales(1)[0]
    zx = 201
    act = qtype("u8", s, zx)
    w, wtype, zw, ws = weight(True)
    for const_w in [True, False]:
        ir = build_ir("?", act, wtype, w, const_w)
        ir = ir.replace("tensor.empty() :", "tensor.empty(%m) :")
        ir = ir.replace("%zero = arith.constant 0.0 : f32",
                        "%zero = arith.constant 0.0 : f32\n"
                        "  %c0 = arith.constant 0 : index\n"
                        f"  %m = tensor.dim %x, %c0 : tensor<?x{K}xi8>")
        out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
        label = f"{pipeline} dynamic M const={const_w}"
        if "quantc.matmul" in out or "corrected in i32" in diags:
            fail(f"{label}: zero points not in the kernels: {diags}")
        mod = quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])
        for m in [0, 1, 5, 13, 40]:
            vals = rng.integers(0, 256, (m, K))
            xb = vals.astype(np.uint8)
            got = mod.main(xb) if const_w else mod.main(xb, w)
            acc = ref.int_matmul(vals, w, zx, zw)
            check(f"{label} M={m}", got,
                  ref.rescale(acc, np.full((1, 1), s, np.float32), ws))

# Weights bound at load time (quantc-cpu-pipeline{weights=load}, issue 21):
# the weight is a dense_resource blob that __quantc_prepare packs once,
# with the compensation of the activation zero point (-(128 + zx) *
# colsum(W)), from the [n, k] layout.
for cpu in cpus:
    for m, opt in RUNS:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu} weights=load{opt}}}"
        for act_kind, w_zp in [("u8", False), ("i8", True), ("u8", True)]:
            xb, xv, xtype, zx, xs, _ = activation(act_kind, m)
            w, wtype, zw, ws = weight(w_zp)
            ir = build_ir(m, xtype, wtype, w, True).replace(
                dense_shaped(w), f"dense_resource<w> : tensor<{N}x{K}xi8>")
            label = f"{pipeline} {act_kind} w_zp={w_zp} M={m}"
            module = quantc.Module(ir, {"w": w})
            mod = module.compile(pipeline, shared_libs=[GOMP])
            if [p[0] for p in mod.params] != ["w"]:
                fail(f"{label}: the weight is not a load-time parameter: "
                     f"{mod.params}")
            acc = ref.int_matmul(xv, w, zx, zw)
            check(label, mod.main(xb), ref.rescale(acc, xs, ws))

if failures == 0:
    print(f"ALL PASSED ({checks} checks)")
