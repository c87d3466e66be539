# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""The decode kernel (issue 16 items 1 and 5, DecodeKernel.h): int8 GEMMs of
1-3 rows against a run-time rhs whose N, K and batch are known only at run
time, as attention's Q.K^T and P.V of a decode step over an int8 KV cache
[L, H, D] of run-time length L. The cache is read in place through the
linalg.transpose the frontend emits (NT for K, NN for V), or as a plain
[B, N, K] / transpose_rhs [B, K, N] operand, or 2-D; a transpose that puts
the batch innermost is copied first. Bit-exact against NumPy int64 for odd
N and K (K % 4 != 0, K % 64 != 0), N = 1, L = 1, batch 1 and 33, M = 1-3,
-128 inputs, a second call with other lengths, an f32 rescale with
per-token x per-channel scales after the GEMM, and threads (batch split,
vnni-parallel-min-macs=0, 2 threads), on cpu=vnni-emulated and host. No
remark may say "reference lowering" for these GEMMs."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

import quantc
from qtest import libgomp
from quantc import reference as ref

rng = np.random.default_rng(1605)
GOMP = libgomp()


def i8(shape):
    v = rng.integers(-128, 128, shape).astype(np.int8)
    v.reshape(-1)[:3] = -128
    return v


def cache_qk_ir(h, m, d):
    """Q [H, M, D] x the K cache [L, H, D] (permuted to [H, L, D])."""
    return f"""
func.func @main(%q: tensor<{h}x{m}x{d}xi8>, %kc: tensor<?x{h}x{d}xi8>) -> tensor<{h}x{m}x?xi32> {{
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x{h}x{d}xi8>
  %e = tensor.empty(%l) : tensor<{h}x?x{d}xi8>
  %t = linalg.transpose ins(%kc : tensor<?x{h}x{d}xi8>) outs(%e : tensor<{h}x?x{d}xi8>) permutation = [1, 0, 2]
  %r = quantc.matmul %q, %t : tensor<{h}x{m}x{d}xi8>, tensor<{h}x?x{d}xi8> -> tensor<{h}x{m}x?xi32>
  return %r : tensor<{h}x{m}x?xi32>
}}"""


def cache_pv_ir(h, m, d):
    """P [H, M, L] x the V cache [L, H, D] (permuted to [H, D, L])."""
    return f"""
func.func @main(%p: tensor<{h}x{m}x?xi8>, %vc: tensor<?x{h}x{d}xi8>) -> tensor<{h}x{m}x{d}xi32> {{
  %c0 = arith.constant 0 : index
  %l = tensor.dim %vc, %c0 : tensor<?x{h}x{d}xi8>
  %e = tensor.empty(%l) : tensor<{h}x{d}x?xi8>
  %t = linalg.transpose ins(%vc : tensor<?x{h}x{d}xi8>) outs(%e : tensor<{h}x{d}x?xi8>) permutation = [1, 2, 0]
  %r = quantc.matmul %p, %t : tensor<{h}x{m}x?xi8>, tensor<{h}x{d}x?xi8> -> tensor<{h}x{m}x{d}xi32>
  return %r : tensor<{h}x{m}x{d}xi32>
}}"""


def dynamic_ir(m, nn):
    """Everything dynamic but M: [B, M, K] x [B, N, K] or, transpose_rhs,
    [B, K, N]."""
    attr = " {transpose_rhs}" if nn else ""
    return f"""
func.func @main(%x: tensor<?x{m}x?xi8>, %w: tensor<?x?x?xi8>) -> tensor<?x{m}x?xi32> {{
  %r = quantc.matmul %x, %w{attr} : tensor<?x{m}x?xi8>, tensor<?x?x?xi8> -> tensor<?x{m}x?xi32>
  return %r : tensor<?x{m}x?xi32>
}}"""


def flat_ir(m):
    """2-D, N and K dynamic."""
    return f"""
func.func @main(%x: tensor<{m}x?xi8>, %w: tensor<?x?xi8>) -> tensor<{m}x?xi32> {{
  %r = quantc.matmul %x, %w : tensor<{m}x?xi8>, tensor<?x?xi8> -> tensor<{m}x?xi32>
  return %r : tensor<{m}x?xi32>
}}"""


def batch_inner_ir(m):
    """W stored [N, K, B]: no in-place view (the batch would be innermost);
    the transposed copy is read."""
    return f"""
func.func @main(%x: tensor<?x{m}x?xi8>, %ws: tensor<?x?x?xi8>) -> tensor<?x{m}x?xi32> {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = tensor.dim %ws, %c0 : tensor<?x?x?xi8>
  %k = tensor.dim %ws, %c1 : tensor<?x?x?xi8>
  %b = tensor.dim %ws, %c2 : tensor<?x?x?xi8>
  %e = tensor.empty(%b, %n, %k) : tensor<?x?x?xi8>
  %t = linalg.transpose ins(%ws : tensor<?x?x?xi8>) outs(%e : tensor<?x?x?xi8>) permutation = [2, 0, 1]
  %r = quantc.matmul %x, %t : tensor<?x{m}x?xi8>, tensor<?x?x?xi8> -> tensor<?x{m}x?xi32>
  return %r : tensor<?x{m}x?xi32>
}}"""


def rescaled_qk_ir(h, d):
    """Decode Q.K^T with its f32 rescale: the token's scale per head
    [H, 1, 1] x the cache's scale per token [L, H, 1] (permuted)."""
    return f"""
func.func @main(%q: tensor<{h}x1x{d}xi8>, %kc: tensor<?x{h}x{d}xi8>, %qs: tensor<{h}x1x1xf32>, %ks: tensor<?x{h}x1xf32>) -> tensor<{h}x1x?xf32> {{
  %c0 = arith.constant 0 : index
  %l = tensor.dim %kc, %c0 : tensor<?x{h}x{d}xi8>
  %e = tensor.empty(%l) : tensor<{h}x?x{d}xi8>
  %t = linalg.transpose ins(%kc : tensor<?x{h}x{d}xi8>) outs(%e : tensor<{h}x?x{d}xi8>) permutation = [1, 0, 2]
  %es = tensor.empty(%l) : tensor<{h}x1x?xf32>
  %kst = linalg.transpose ins(%ks : tensor<?x{h}x1xf32>) outs(%es : tensor<{h}x1x?xf32>) permutation = [1, 2, 0]
  %r = quantc.matmul %q, %t : tensor<{h}x1x{d}xi8>, tensor<{h}x?x{d}xi8> -> tensor<{h}x1x?xi32>
  %y = quantc.rescale %r, %qs, %kst : (tensor<{h}x1x?xi32>, tensor<{h}x1x1xf32>, tensor<{h}x1x?xf32>) -> tensor<{h}x1x?xf32>
  return %y : tensor<{h}x1x?xf32>
}}"""


def want_nt(x, w):
    return np.einsum("bmk,bnk->bmn", x.astype(np.int64), w.astype(np.int64))


failures = 0


def check(label, got, want):
    global failures
    got = np.asarray(got)
    if got.shape != want.shape or not np.array_equal(got.astype(want.dtype), want):
        failures += 1
        err = (np.abs(got.astype(np.int64) - want.astype(np.int64)).max()
               if got.shape == want.shape else "-")
        print(f"FAIL {label}: {got.shape} vs {want.shape}, max error {err}")


def compile_checked(ir, pipeline, label, parallel=True):
    """Compiles `ir`: no reference lowering; with vnni-parallel-min-macs=0
    the batch is split across threads exactly when `parallel` (two batches
    or more, or a dynamic batch)."""
    global failures
    out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
    if "reference lowering" in diags:
        failures += 1
        print(f"FAIL {label}: {diags}")
    if "parallel-min-macs=0" in pipeline and \
            ("GOMP_parallel" in out) != parallel:
        failures += 1
        print(f"FAIL {label}: parallel expected {parallel}")
    return quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])


flags = open("/proc/cpuinfo").read().split()
cpus = ["vnni-emulated"]
if "avx512_vnni" in flags:
    cpus.append("host")
variants = ["", " vnni-parallel-min-macs=0"]

for cpu in cpus:
    for variant in variants:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{variant}}}"
        # K (= D) static, N = L run-time: K % 64 and K % 4 tails.
        for h, m, d in [(4, 1, 16), (3, 2, 13), (2, 3, 130), (33, 1, 64),
                        (1, 1, 1)]:
            mod = compile_checked(cache_qk_ir(h, m, d), pipeline, "qk", h > 1)
            for n in (1, 15, 17, 40):
                q, kc = i8((h, m, d)), i8((n, h, d))
                check(f"{pipeline} qk H={h} M={m} D={d} L={n}",
                      mod.main(q, kc), want_nt(q, kc.transpose(1, 0, 2)))
        # K = L run-time, N = D static: N % 64 and K % 4 tails.
        for h, m, d in [(4, 1, 16), (3, 2, 70), (2, 3, 128), (33, 1, 7),
                        (1, 1, 1)]:
            mod = compile_checked(cache_pv_ir(h, m, d), pipeline, "pv", h > 1)
            for n in (1, 3, 4, 5, 67, 130):
                p, vc = i8((h, m, n)), i8((n, h, d))
                check(f"{pipeline} pv H={h} M={m} D={d} L={n}",
                      mod.main(p, vc), want_nt(p, vc.transpose(1, 2, 0)))
        for m in (1, 3):
            for nn in (False, True):
                mod = compile_checked(dynamic_ir(m, nn), pipeline, "dyn")
                for b, n, k in [(1, 1, 1), (33, 17, 9), (2, 70, 131),
                                (3, 64, 64)]:
                    x = i8((b, m, k))
                    w = i8((b, k, n)) if nn else i8((b, n, k))
                    wt = w.transpose(0, 2, 1) if nn else w
                    check(f"{pipeline} dynamic nn={nn} {b}x{m}x{n}x{k}",
                          mod.main(x, w), want_nt(x, wt))
            mod = compile_checked(flat_ir(m), pipeline, "2-D", False)
            for n, k in [(1, 1), (33, 67), (16, 128)]:
                x, w = i8((m, k)), i8((n, k))
                check(f"{pipeline} 2-D {m}x{n}x{k}", mod.main(x, w),
                      ref.int_matmul(x, w).astype(np.int64))
            mod = compile_checked(batch_inner_ir(m), pipeline, "batch-inner")
            x, ws = i8((5, m, 19)), i8((23, 19, 5))
            check(f"{pipeline} batch innermost M={m}", mod.main(x, ws),
                  want_nt(x, ws.transpose(2, 0, 1)))
        h, d = 4, 40
        mod = compile_checked(rescaled_qk_ir(h, d), pipeline, "rescaled")
        for n in (1, 21):
            q, kc = i8((h, 1, d)), i8((n, h, d))
            qs = rng.uniform(0.01, 0.02, (h, 1, 1)).astype(np.float32)
            ks = rng.uniform(0.01, 0.02, (n, h, 1)).astype(np.float32)
            acc = want_nt(q, kc.transpose(1, 0, 2)).astype(np.int32)
            want = ref.rescale(acc, qs, ks.transpose(1, 2, 0))
            got = mod.main(q, kc, qs, ks)
            if not np.array_equal(got, want):
                failures += 1
                print(f"FAIL {pipeline} rescaled L={n}: max error "
                      f"{np.abs(got - want).max()}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
