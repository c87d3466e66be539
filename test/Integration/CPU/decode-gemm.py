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
-128 inputs, a second call with other lengths, and threads (batch x column
blocks split, vnni-parallel-min-macs=0, 2 threads), on cpu=vnni-emulated,
avx2 (vpmaddwd, run natively) and host. The rescale is fused into the
kernel (no remark says it is not) and bit-exact against
quantc.reference.rescale in each epilogue form: per-token x per-(head,
channel) scales, per-head scale with a scalar weight scale and a bias, a
requantization to i8 with bias and relu, a residual; the cache's per-token
scale read through a transpose. No remark may say "reference lowering" for
these GEMMs."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

from gemm_cases import GemmCases, cpus, want_nt
from quantc import reference as ref

t = GemmCases(1605)
rng = t.rng
i8 = t.i8


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


def epilogue_ir(m, nn, form):
    """Everything dynamic but M, the rescale fused in one of its forms.
    Returns the IR and the epilogue operands: (name, shape of (B, M, N))."""
    attr = " {transpose_rhs}" if nn else ""
    acc = f"tensor<?x{m}x?xi32>"
    res = f"tensor<?x{m}x?xf32>"
    if form == "scales":  # per-token x per-(head, channel)
        ops = [("xs", lambda b, m, n: (b, m, 1)),
               ("ws", lambda b, m, n: (b, 1, n))]
        rest = ""
    elif form == "head":  # per-head x scalar, bias
        ops = [("xs", lambda b, m, n: (b, 1, 1)),
               ("ws", lambda b, m, n: (1, 1, 1)),
               ("b", lambda b, m, n: (1, 1, n))]
        rest = " bias %b"
    elif form == "requant":  # per-row x per-channel, bias, relu, to i8
        ops = [("xs", lambda b, m, n: (1, m, 1)),
               ("ws", lambda b, m, n: (1, 1, n)),
               ("b", lambda b, m, n: (1, 1, n)),
               ("os", lambda b, m, n: (1, 1, 1))]
        rest = (" bias %b output_scale %os {activation = "
                "#quantc.activation<relu>, qmin = -128 : i64, qmax = 127 : i64}")
        res = f"tensor<?x{m}x?xi8>"
    else:  # residual
        ops = [("xs", lambda b, m, n: (b, m, 1)),
               ("ws", lambda b, m, n: (1, 1, 1)),
               ("res", lambda b, m, n: (b, m, n))]
        rest = " residual %res"

    def ty(shape):
        dims = ["?" if d == "?" else str(d) for d in shape]
        return "tensor<" + "x".join(dims) + "xf32>"
    # Static 1 and M, dynamic B and N.
    types = [ty(tuple("?" if d in ("B", "N") else d for d in f("B", m, "N")))
             for _, f in ops]
    args = "".join(f", %{n}: {t}" for (n, _), t in zip(ops, types))
    return f"""
func.func @main(%x: tensor<?x{m}x?xi8>, %w: tensor<?x?x?xi8>{args}) -> {res} {{
  %r = quantc.matmul %x, %w{attr} : tensor<?x{m}x?xi8>, tensor<?x?x?xi8> -> {acc}
  %y = quantc.rescale %r, %xs, %ws{rest} : ({acc}, {", ".join(types)}) -> {res}
  return %y : {res}
}}""", ops


def epilogue_operands(ops, b, m, n):
    """Random values of epilogue_ir's operands, by name."""
    out = {}
    for name, shape in ops:
        shape = shape(b, m, n)
        if name in ("b", "res"):
            out[name] = rng.uniform(-50, 50, shape).astype(np.float32)
        elif name == "os":
            out[name] = np.full(shape, 0.7, np.float32)
        else:
            out[name] = rng.uniform(0.01, 0.2, shape).astype(np.float32)
    return out


def compile_checked(ir, pipeline, label, parallel=True):
    """Compiles `ir`: no reference lowering, no unfused rescale; with
    vnni-parallel-min-macs=0 the work units (batch x column blocks) are
    split across threads (every decode GEMM, a single batch too)."""
    return t.compile_checked(ir, pipeline, label, parallel,
                             forbid=["not fused"])


check = t.check

for cpu in cpus(vnni=False):
    for variant in ["", " vnni-parallel-min-macs=0"]:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{variant}}}"
        # K (= D) static, N = L run-time: K % 64 and K % 4 tails.
        for h, m, d in [(4, 1, 16), (3, 2, 13), (2, 3, 130), (33, 1, 64),
                        (1, 1, 1)]:
            mod = compile_checked(cache_qk_ir(h, m, d), pipeline, "qk")
            for n in (1, 15, 17, 40):
                q, kc = i8((h, m, d)), i8((n, h, d))
                check(f"{pipeline} qk H={h} M={m} D={d} L={n}",
                      mod.main(q, kc), want_nt(q, kc.transpose(1, 0, 2)))
        # K = L run-time, N = D static: N % 64 and K % 4 tails.
        for h, m, d in [(4, 1, 16), (3, 2, 70), (2, 3, 128), (33, 1, 7),
                        (1, 1, 1)]:
            mod = compile_checked(cache_pv_ir(h, m, d), pipeline, "pv")
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
            mod = compile_checked(flat_ir(m), pipeline, "2-D")
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
            check(f"{pipeline} rescaled L={n}", got, want)
        for form in ("scales", "head", "requant", "residual"):
            for m in (1, 3):
                for nn in (False, True):
                    ir, eops = epilogue_ir(m, nn, form)
                    mod = compile_checked(ir, pipeline, f"epilogue {form}")
                    for b, n, k in [(1, 1, 1), (3, 37, 70), (2, 130, 64)]:
                        x = i8((b, m, k))
                        w = i8((b, k, n)) if nn else i8((b, n, k))
                        wt = w.transpose(0, 2, 1) if nn else w
                        ops = epilogue_operands(eops, b, m, n)
                        acc = want_nt(x, wt).astype(np.int32)
                        want = ref.rescale(
                            acc, ops["xs"], ops["ws"], bias=ops.get("b"),
                            activation="relu" if "os" in ops else "none",
                            output_scale=ops.get("os"), qmin=-128, qmax=127,
                            residual=ops.get("res"))
                        got = mod.main(x, w, *[ops[e] for e, _ in eops])
                        check(f"{pipeline} epilogue {form} nn={nn} "
                              f"{b}x{m}x{n}x{k}", got, want)
t.report()
