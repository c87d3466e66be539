# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Zero points and u8 storage in batched (rank-3) int8 GEMMs through the CPU
pipeline (issue 17 item 3): the batched VNNI path takes a constant
activation zero point (in the run-time packing's compensation) and a weight
zero point per tensor or per output channel, shared by the batches or one
per batch (each batch's slice), and reads u8 activations as they are; no
remark may say the zero points are corrected after the GEMM.

Forms: linalg.quantized_batch_matmul with constant zero points (at the ends
of the i8 range), quantc.matmul [B, M, K] x [B, N, K] with a per-batch,
per-channel weight zero point passed at run time, and a QDQ batch_matmul of
u8 activations ([0, 255] with a zero point, the bytes passed as they are)
and i8 weights with a zero point (imported from quant types; the u8
argument takes np.uint8). Bit-exact
against NumPy: the int64 sum of (x - zx)(w - zw), checked to fit int32
(then reference.rescale for the QDQ form). On cpu=vnni-emulated, avx2
(vpmaddwd: x - zx packed in i16) and host; serial and with the batch split
over 2 threads. The u8 form also on amx-emulated and amx (an AMX CPU) at
M = 40 (the tiles, not the VNNI kernels below amx-min-m): u8 activations
read as they are there too (tdpbusd in the lowered IR on amx)."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

import quantc
from qtest import dense_shaped, libgomp
from quantc import reference as ref

rng = np.random.default_rng(1718)
GOMP = libgomp()
failures = 0
B, M, N, K = 3, 7, 19, 37


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def compile_checked(ir, pipeline, label, require_ir=()):
    out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
    if "corrected in i32 after it" in diags or "reference lowering" in diags:
        fail(f"{label}: zero points not taken by the batched kernel: {diags}")
    for s in require_ir:
        if s not in out:
            fail(f"{label}: {s!r} not in the lowered IR")
    return quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP]).f


def check(label, got, want):
    ok = got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want)
    print(("ok  " if ok else "FAIL"), label)
    if not ok:
        fail(label)


def quantized_batch_matmul(pipeline, zx, zw):
    a = rng.integers(-128, 128, (B, M, K)).astype(np.int8)
    b = rng.integers(-128, 128, (B, K, N)).astype(np.int8)
    a[0, 0, :] = -128
    b[0, :, 0] = 127
    ir = f"""
func.func @f(%a: tensor<{B}x{M}x{K}xi8>, %b: tensor<{B}x{K}x{N}xi8>) -> tensor<{B}x{M}x{N}xi32> {{
  %zx = arith.constant {zx} : i32
  %zw = arith.constant {zw} : i32
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{B}x{M}x{N}xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<{B}x{M}x{N}xi32>) -> tensor<{B}x{M}x{N}xi32>
  %r = linalg.quantized_batch_matmul ins(%a, %b, %zx, %zw : tensor<{B}x{M}x{K}xi8>, tensor<{B}x{K}x{N}xi8>, i32, i32)
         outs(%init : tensor<{B}x{M}x{N}xi32>) -> tensor<{B}x{M}x{N}xi32>
  return %r : tensor<{B}x{M}x{N}xi32>
}}"""
    fn = compile_checked(ir, pipeline, f"quantized_batch_matmul zx={zx} zw={zw}")
    want = np.einsum("bmk,bkn->bmn", a.astype(np.int64) - zx, b.astype(np.int64) - zw)
    assert np.abs(want).max() < 2**31
    check(f"{pipeline} quantized_batch_matmul zx={zx} zw={zw}", fn(a, b), want.astype(np.int32))


def per_batch_weight_zero_point(pipeline):
    """quantc.matmul with a [B, 1, N] weight zero point passed at run time."""
    a = rng.integers(-128, 128, (B, M, K)).astype(np.int8)
    w = rng.integers(-128, 128, (B, N, K)).astype(np.int8)
    zw = rng.integers(-128, 128, (B, 1, N)).astype(np.int32)
    zw[0, 0, :2] = [-128, 127]
    ir = f"""
func.func @f(%a: tensor<{B}x{M}x{K}xi8>, %w: tensor<{B}x{N}x{K}xi8>, %zw: tensor<{B}x1x{N}xi32>) -> tensor<{B}x{M}x{N}xi32> {{
  %zx = arith.constant dense<-3> : tensor<1x1x1xi32>
  %r = quantc.matmul %a, %w lhs_zero_point(%zx : tensor<1x1x1xi32>) rhs_zero_point(%zw : tensor<{B}x1x{N}xi32>)
         : tensor<{B}x{M}x{K}xi8>, tensor<{B}x{N}x{K}xi8> -> tensor<{B}x{M}x{N}xi32>
  return %r : tensor<{B}x{M}x{N}xi32>
}}"""
    fn = compile_checked(ir, pipeline, "per-batch weight zero point")
    want = np.einsum("bmk,bnk->bmn", a.astype(np.int64) + 3,
                     w.astype(np.int64) - zw.transpose(0, 2, 1).astype(np.int64))
    assert np.abs(want).max() < 2**31
    check(f"{pipeline} quantc.matmul per-batch weight zero point", fn(a, w, zw),
          want.astype(np.int32))


def u8_batch_matmul(pipeline, M=M, require_ir=()):
    """QDQ batch_matmul: u8 activations (zero point 37) x i8 weights (zero
    point -2), per-tensor scales; float result. Each string of `require_ir`
    must be in the lowered IR."""
    xs, ws = 0.03125, 0.0123
    zx, zw = 37, -2
    x = rng.integers(0, 256, (B, M, K)).astype(np.uint8)
    x[0, 0, 0], x[-1, -1, -1] = 0, 255
    w = rng.integers(-128, 128, (B, K, N)).astype(np.int8)
    xt, wt = f"tensor<{B}x{M}x{K}", f"tensor<{B}x{K}x{N}"
    aq = f"!quant.uniform<u8:f32, {xs!r}:{zx}>"
    wq = f"!quant.uniform<i8:f32, {ws!r}:{zw}>"
    ir = f"""
func.func @f(%x: {xt}xi8>) -> tensor<{B}x{M}x{N}xf32> {{
  %w = arith.constant {dense_shaped(w)}
  %xq = quant.scast %x : {xt}xi8> to {xt}x{aq}>
  %xd = quant.dcast %xq : {xt}x{aq}> to {xt}xf32>
  %wq = quant.scast %w : {wt}xi8> to {wt}x{wq}>
  %wd = quant.dcast %wq : {wt}x{wq}> to {wt}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{B}x{M}x{N}xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<{B}x{M}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32>
  %y = linalg.batch_matmul ins(%xd, %wd : {xt}xf32>, {wt}xf32>) outs(%init : tensor<{B}x{M}x{N}xf32>) -> tensor<{B}x{M}x{N}xf32>
  return %y : tensor<{B}x{M}x{N}xf32>
}}"""
    fn = compile_checked(ir, pipeline, "u8 batch_matmul", require_ir)
    acc = np.einsum("bmk,bkn->bmn", x.astype(np.int64) - zx, w.astype(np.int64) - zw)
    assert np.abs(acc).max() < 2**31
    want = ref.rescale(acc.astype(np.int32), np.full((1, 1, 1), xs, np.float32),
                       np.full((1, 1, 1), ws, np.float32))
    check(f"{pipeline} u8 x i8 batch_matmul with zero points", fn(x), want)


flags = open("/proc/cpuinfo").read().split()
cpus = (["vnni-emulated"] + (["avx2"] if "avx2" in flags else [])
        + (["host"] if "avx512_vnni" in flags else []))
for cpu in cpus:
    for opt in ["", " vnni-parallel-min-macs=0"]:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{opt}}}"
        quantized_batch_matmul(pipeline, -128, 127)
        quantized_batch_matmul(pipeline, 5, 0)
        per_batch_weight_zero_point(pipeline)
        u8_batch_matmul(pipeline)

# amx (M >= amx-min-m: the tiles) reads the u8 activations as they are too,
# with tdpbusd (u8 x s8), the rule of the 2-D GEMMs (unsignedActivationSource).
amx = ["amx-emulated"] + (["amx"] if "amx_int8" in flags and "amx_tile" in flags else [])
for cpu in amx:
    for opt in ["", " vnni-parallel-min-macs=0"]:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{opt}}}"
        u8_batch_matmul(pipeline, M=40,
                        require_ir=["tdpbusd"] if cpu == "amx" else [])

print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
