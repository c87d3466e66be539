# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""A 2-D weight broadcast over a batch of dynamic size (issue 16 item 1:
[B, ?, K] or [?, ?, K] activations x a [N, K] weight, a linear layer over a
run-time token count): the x86 lowering collapses the batch's rows into the
run-time M of one 2-D GEMM (toKernelLayout, no copy) and runs the dynamic-M
row chunks on it (a constant weight packed at compile time, a weight passed
as an argument packed at run time or read in place by the small_m kernels),
the per-token x_scale [B, M, 1] and the residual collapsed with it into the
fused epilogue. Bit-exact against NumPy int64 for B = 1, 2, 33 (static and
dynamic) and M = 1, 7, 64, 130, K % 4 != 0, zero points, -128 in every operand, on
cpu=vnni-emulated, avx2, vnni, host (amx on an AMX CPU) and amx-emulated /
amx, single-threaded and with 2 threads splitting the panels
(vnni-parallel-min-macs=0). Also the 2-D GEMMs of a dynamic N or K (the
dynamic-size blocked lowering), which now split their column blocks across
threads: bit-exact with 2 threads. No remark may say "reference lowering"."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

from gemm_cases import GemmCases, cpus, want_nt
from qtest import dense_shaped
import quantc
from quantc import reference as ref

t = GemmCases(1601)
rng = t.rng
i8 = t.i8
N, K = 40, 70
W = i8((N, K), every=7)
ws = (rng.random((1, 1, N)) * 0.01 + 0.001).astype(np.float32)


def linear_ir(b, const_weight):
    """[b, ?, K] x [N, K] (b None: dynamic) -> i32."""
    bs = "?" if b is None else str(b)
    warg = "" if const_weight else f", %w: tensor<{N}x{K}xi8>"
    wdef = f"%w = arith.constant {dense_shaped(W)}" if const_weight else ""
    return f"""
func.func @main(%x: tensor<{bs}x?x{K}xi8>{warg}) -> tensor<{bs}x?x{N}xi32> {{
  {wdef}
  %acc = quantc.matmul %x, %w : tensor<{bs}x?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{bs}x?x{N}xi32>
  return %acc : tensor<{bs}x?x{N}xi32>
}}"""


def fused_ir(b, const_weight):
    """The same with a per-token x_scale [b, ?, 1], a per-channel w_scale and
    a residual [b, ?, N]: the rescale collapses with the GEMM."""
    bs = "?" if b is None else str(b)
    warg = "" if const_weight else f", %w: tensor<{N}x{K}xi8>"
    wdef = f"%w = arith.constant {dense_shaped(W)}" if const_weight else ""
    return f"""
func.func @main(%x: tensor<{bs}x?x{K}xi8>, %xs: tensor<{bs}x?x1xf32>, %res: tensor<{bs}x?x{N}xf32>{warg}) -> tensor<{bs}x?x{N}xf32> {{
  {wdef}
  %ws = arith.constant {dense_shaped(ws)}
  %acc = quantc.matmul %x, %w : tensor<{bs}x?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{bs}x?x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws residual %res : (tensor<{bs}x?x{N}xi32>, tensor<{bs}x?x1xf32>, tensor<1x1x{N}xf32>, tensor<{bs}x?x{N}xf32>) -> tensor<{bs}x?x{N}xf32>
  return %y : tensor<{bs}x?x{N}xf32>
}}"""


def zero_points_ir():
    """[?, ?, K] x [N, K] with an activation zero point and one per output
    channel: corrected in i32 after the collapsed GEMM."""
    zw = ", ".join(str(v) for v in ZW)
    return f"""
func.func @main(%x: tensor<?x?x{K}xi8>, %w: tensor<{N}x{K}xi8>) -> tensor<?x?x{N}xi32> {{
  %zx = arith.constant dense<{ZX}> : tensor<1x1x1xi32>
  %zw = arith.constant dense<[[[{zw}]]]> : tensor<1x1x{N}xi32>
  %acc = quantc.matmul %x, %w lhs_zero_point(%zx : tensor<1x1x1xi32>) rhs_zero_point(%zw : tensor<1x1x{N}xi32>) : tensor<?x?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<?x?x{N}xi32>
  return %acc : tensor<?x?x{N}xi32>
}}"""


ZX = -3
ZW = rng.integers(-128, 128, N)


def dynamic_nk_ir():
    """A 2-D GEMM with a dynamic M, N and K: the blocked lowering."""
    return """
func.func @main(%x: tensor<?x?xi8>, %w: tensor<?x?xi8>) -> tensor<?x?xi32> {
  %acc = quantc.matmul %x, %w : tensor<?x?xi8>, tensor<?x?xi8> -> tensor<?x?xi32>
  return %acc : tensor<?x?xi32>
}"""


def dynamic_n_ir(m, k):
    """A 2-D GEMM with a static M and K, a dynamic N (one K block)."""
    return f"""
func.func @main(%x: tensor<{m}x{k}xi8>, %w: tensor<?x{k}xi8>) -> tensor<{m}x?xi32> {{
  %acc = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<?x{k}xi8> -> tensor<{m}x?xi32>
  return %acc : tensor<{m}x?xi32>
}}"""


check = t.check


def run_linear(pipeline, b, const, ms, plain_too):
    """The fused (and with `plain_too` the plain i32) GEMM of a batch `b`
    (None: dynamic, run with batches 1, 3 and 33) at each M of `ms`."""
    label = f"{pipeline} B={b} const={const}"
    fused = t.compile_checked(fused_ir(b, const), pipeline, label + " fused")
    plain = (t.compile_checked(linear_ir(b, const), pipeline, label + " plain")
             if plain_too else None)
    wargs = () if const else (W,)
    for bb in ([b] if b else [1, 3, 33]):
        for m in ms:
            x = i8((bb, m, K), every=5)
            xs = (rng.random((bb, m, 1)) * 0.02 + 0.001).astype(np.float32)
            res = rng.standard_normal((bb, m, N)).astype(np.float32)
            acc = want_nt(x, W[None])
            check(f"{label} fused {bb}x{m}", fused.main(x, xs, res, *wargs),
                  ref.rescale(acc.astype(np.int32), xs, ws, residual=res))
            if plain:
                check(f"{label} plain {bb}x{m}", plain.main(x, *wargs), acc)
    if plain and not const:
        # All -128: the largest products, the compensation's edge.
        x = np.full((b or 2, 67, K), -128, np.int8)
        wm = np.full((N, K), -128, np.int8)
        check(f"{label} plain all -128", plain.main(x, wm),
              want_nt(x, wm[None]))


def run_2d(pipeline):
    """2-D, dynamic N or K: the column blocks split across the threads."""
    mod = t.compile_checked(dynamic_nk_ir(), pipeline, "2-D dynamic",
                            require=["in static blocks of"])
    for m, n, k in [(1, 1, 1), (7, 131, 67), (130, 200, 300), (64, 64, 513)]:
        x, w = i8((m, k)), i8((n, k))
        check(f"{pipeline} 2-D dynamic {m}x{n}x{k}", mod.main(x, w),
              want_nt(x[None], w[None])[0])
    mod = t.compile_checked(dynamic_n_ir(33, 70), pipeline, "2-D dynamic N",
                            require=["in static blocks of"])
    for n in (1, 64, 65, 300):
        x, w = i8((33, 70)), i8((n, 70))
        check(f"{pipeline} 2-D dynamic N={n}", mod.main(x, w),
              want_nt(x[None], w[None])[0])


# Every CPU: batch 2 static and the dynamic batch, each weight kind. The
# emulations are slow: fewer rows there.
MS = [1, 7, 64, 130]
for cpu in cpus(amx=True):
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu}}}"
    ms = [1, 7, 130] if "emulated" in cpu else MS
    for b in (2, None):
        for const in (True, False):
            run_linear(pipeline, b, const, ms, plain_too=cpu == "vnni")
    run_2d(pipeline)
# Zero points: the correction after the collapsed GEMM.
if "vnni" in cpus():
    pipeline = "quantc-cpu-pipeline{cpu=vnni}"
    mod = t.compile_checked(zero_points_ir(), pipeline, "zero points")
    for bb, m in [(1, 1), (3, 7), (33, 130)]:
        x = i8((bb, m, K), every=5)
        want = np.einsum("bmk,nk->bmn", x.astype(np.int64) - ZX,
                         W.astype(np.int64) - ZW[:, None])
        check(f"{pipeline} zero points {bb}x{m}", mod.main(x, W), want)
# A slice of whole batches of a [4, ?, K] activation: rows [M, 3M) of the
# collapsed source, read in place (no memrefCopy in the lowered code).
SLICE_IR = f"""
func.func @main(%x: tensor<4x?x{K}xi8>, %w: tensor<{N}x{K}xi8>) -> tensor<2x?x{N}xi32> {{
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c1 : tensor<4x?x{K}xi8>
  %s = tensor.extract_slice %x[1, 0, 0] [2, %m, {K}] [1, 1, 1] : tensor<4x?x{K}xi8> to tensor<2x?x{K}xi8>
  %acc = quantc.matmul %s, %w : tensor<2x?x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<2x?x{N}xi32>
  return %acc : tensor<2x?x{N}xi32>
}}"""
for cpu in cpus(amx=True):
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu}}}"
    out = quantc.run_pipeline(SLICE_IR, pipeline)
    if "memrefCopy" in out or "memref.copy" in out:
        t.fail(f"{pipeline} batch slice: the slice is copied")
    mod = t.compile_checked(SLICE_IR, pipeline, f"{pipeline} batch slice")
    for m in (1, 7, 130):
        x = i8((4, m, K), every=5)
        check(f"{pipeline} batch slice M={m}", mod.main(x, W),
              want_nt(x[1:3], W[None]))
# Threads (2): the chunks' panels, the blocks' (batch, column block) pairs.
for cpu in [c for c in cpus(amx=True) if c in ("vnni", "amx", "host")]:
    pipeline = f"quantc-cpu-pipeline{{cpu={cpu} vnni-parallel-min-macs=0}}"
    for b in (1, 33, None):
        run_linear(pipeline, b, b != 33, MS, plain_too=b is None)
    run_2d(pipeline)
t.report()
