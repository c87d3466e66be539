# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Batched int8 GEMMs whose batch, M, N or K are known only at run time
(issue 16 item 1, issue 21 item 5: a dynamic-length prefill's attention),
with more rows than the decode kernel takes: the x86 lowering loops over
static blocks (lowerDynamicBatched: 64 x 64 blocks of M x N, K whole when
static, in blocks of 256 when dynamic) on the runtime-weight kernel; edge
blocks run on zero-padded copies. The operands are read through the
linalg.transposes that make them (K of the cache [S, H, D] as [H, S, D] in
place; V as [H, D, S] copied per block, transposed). Bit-exact against NumPy
int64 for odd M, N, K (K % 4 != 0, K % 64 != 0, K over several K blocks),
M, N or K below a block, batch 1 and 33, a second call with other sizes,
-128 everywhere, both rhs layouts, an f32 rescale after the GEMM, and
threads (batch split, vnni-parallel-min-macs=0, 2 threads), on
cpu=vnni-emulated, vnni and host (amx where the CPU has it). No remark may
say "reference lowering"; the blocked path says so in its remark."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

from gemm_cases import GemmCases, cpus, want_nt
from quantc import reference as ref

t = GemmCases(2116)
rng = t.rng
i8 = t.i8


def prefill_qk_ir(h, d):
    """Q [H, S, D] x the prompt's K [S, H, D] (permuted to [H, S, D])."""
    return f"""
func.func @main(%q: tensor<{h}x?x{d}xi8>, %kc: tensor<?x{h}x{d}xi8>) -> tensor<{h}x?x?xi32> {{
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x{h}x{d}xi8>
  %e = tensor.empty(%l) : tensor<{h}x?x{d}xi8>
  %t = linalg.transpose ins(%kc : tensor<?x{h}x{d}xi8>) outs(%e : tensor<{h}x?x{d}xi8>) permutation = [1, 0, 2]
  %r = quantc.matmul %q, %t : tensor<{h}x?x{d}xi8>, tensor<{h}x?x{d}xi8> -> tensor<{h}x?x?xi32>
  return %r : tensor<{h}x?x?xi32>
}}"""


def prefill_pv_ir(h, d):
    """P [H, S, S] x V [S, H, D] as the frontend emits it: V permuted to
    [H, S, D], transpose_rhs."""
    return f"""
func.func @main(%p: tensor<{h}x?x?xi8>, %vc: tensor<?x{h}x{d}xi8>) -> tensor<{h}x?x{d}xi32> {{
  %c0 = arith.constant 0 : index
  %l = tensor.dim %vc, %c0 : tensor<?x{h}x{d}xi8>
  %e = tensor.empty(%l) : tensor<{h}x?x{d}xi8>
  %t = linalg.transpose ins(%vc : tensor<?x{h}x{d}xi8>) outs(%e : tensor<{h}x?x{d}xi8>) permutation = [1, 0, 2]
  %r = quantc.matmul %p, %t {{transpose_rhs}} : tensor<{h}x?x?xi8>, tensor<{h}x?x{d}xi8> -> tensor<{h}x?x{d}xi32>
  return %r : tensor<{h}x?x{d}xi32>
}}"""


def dynamic_ir(nn):
    """Everything dynamic: [B, M, K] x [B, N, K] or, transpose_rhs,
    [B, K, N]."""
    attr = " {transpose_rhs}" if nn else ""
    return f"""
func.func @main(%x: tensor<?x?x?xi8>, %w: tensor<?x?x?xi8>) -> tensor<?x?x?xi32> {{
  %r = quantc.matmul %x, %w{attr} : tensor<?x?x?xi8>, tensor<?x?x?xi8> -> tensor<?x?x?xi32>
  return %r : tensor<?x?x?xi32>
}}"""


def static_m_ir(b, m, n):
    """Static batch, M and N, run-time K."""
    return f"""
func.func @main(%x: tensor<{b}x{m}x?xi8>, %w: tensor<{b}x{n}x?xi8>) -> tensor<{b}x{m}x{n}xi32> {{
  %r = quantc.matmul %x, %w : tensor<{b}x{m}x?xi8>, tensor<{b}x{n}x?xi8> -> tensor<{b}x{m}x{n}xi32>
  return %r : tensor<{b}x{m}x{n}xi32>
}}"""


def rescaled_qk_ir(h, d):
    """Prefill Q.K^T with its f32 rescale: a scale per query token
    [H, S, 1] x a scale per key token [H, 1, S]."""
    return f"""
func.func @main(%q: tensor<{h}x?x{d}xi8>, %k: tensor<{h}x?x{d}xi8>, %qs: tensor<{h}x?x1xf32>, %ks: tensor<{h}x1x?xf32>) -> tensor<{h}x?x?xf32> {{
  %r = quantc.matmul %q, %k : tensor<{h}x?x{d}xi8>, tensor<{h}x?x{d}xi8> -> tensor<{h}x?x?xi32>
  %y = quantc.rescale %r, %qs, %ks : (tensor<{h}x?x?xi32>, tensor<{h}x?x1xf32>, tensor<{h}x1x?xf32>) -> tensor<{h}x?x?xf32>
  return %y : tensor<{h}x?x?xf32>
}}"""


def compile_checked(ir, pipeline, label, parallel=True):
    """Compiles `ir`: the blocked kernel's remark, no reference lowering;
    with vnni-parallel-min-macs=0 the batch is split across threads exactly
    when `parallel`."""
    return t.compile_checked(ir, pipeline, label, parallel,
                             require=["in static blocks of"])


check = t.check

for cpu in cpus(avx2=False):
    # The emulation is slow: smaller sizes there.
    big = cpu != "vnni-emulated"
    for variant in ["", " vnni-parallel-min-macs=0"]:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{variant}}}"
        # Prefill Q.K^T: M = N = S run-time, K = D static (K % 4 tail).
        for h, d in [(4, 64), (3, 13), (1, 130)]:
            mod = compile_checked(prefill_qk_ir(h, d), pipeline, "qk")
            for s in ([1, 4, 64, 65, 130] if big else [1, 4, 65]):
                q, kc = i8((h, s, d)), i8((s, h, d))
                check(f"{pipeline} qk H={h} D={d} S={s}",
                      mod.main(q, kc), want_nt(q, kc.transpose(1, 0, 2)))
        # Prefill P.V: M = K = S run-time (K over several blocks), N = D.
        for h, d in [(4, 64), (2, 7), (33, 16)]:
            mod = compile_checked(prefill_pv_ir(h, d), pipeline, "pv")
            for s in ([1, 5, 64, 257, 300] if big else [1, 5, 259]):
                p, vc = i8((h, s, s)), i8((s, h, d))
                check(f"{pipeline} pv H={h} D={d} S={s}",
                      mod.main(p, vc), want_nt(p, vc.transpose(1, 2, 0)))
        for nn in (False, True):
            mod = compile_checked(dynamic_ir(nn), pipeline, "dyn")
            for b, m, n, k in [(1, 4, 1, 1), (33, 5, 17, 9), (2, 70, 131, 67),
                               (3, 64, 64, 64), (1, 129, 65, 513 if big else 259)]:
                x = i8((b, m, k))
                w = i8((b, k, n)) if nn else i8((b, n, k))
                wt = w.transpose(0, 2, 1) if nn else w
                check(f"{pipeline} dynamic nn={nn} {b}x{m}x{n}x{k}",
                      mod.main(x, w), want_nt(x, wt))
            # -128 everywhere: the largest products, the compensation's edge.
            x = np.full((2, 67, 300), -128, np.int8)
            w = np.full((2, 300, 66) if nn else (2, 66, 300), -128, np.int8)
            check(f"{pipeline} dynamic nn={nn} all -128", mod.main(x, w),
                  want_nt(x, w.transpose(0, 2, 1) if nn else w))
        mod = compile_checked(static_m_ir(2, 4, 5), pipeline, "static M")
        for k in (1, 7, 300):
            x, w = i8((2, 4, k)), i8((2, 5, k))
            check(f"{pipeline} static M=4 K={k}", mod.main(x, w), want_nt(x, w))
        h, d = 3, 32
        mod = compile_checked(rescaled_qk_ir(h, d), pipeline, "rescaled")
        for s in (5, 70):
            q, k = i8((h, s, d)), i8((h, s, d))
            qs = rng.uniform(0.01, 0.02, (h, s, 1)).astype(np.float32)
            ks = rng.uniform(0.01, 0.02, (h, 1, s)).astype(np.float32)
            acc = want_nt(q, k).astype(np.int32)
            want = ref.rescale(acc, qs, ks)
            got = mod.main(q, k, qs, ks)
            check(f"{pipeline} rescaled S={s}", got, want)
t.report()
