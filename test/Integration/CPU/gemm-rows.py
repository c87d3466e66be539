# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Every 2-D int8 GEMM shape on the kernels (issue 16 item 1):
 - static 1-3 rows against a run-time weight take the decode kernel (the
   lowered IR calls __quantc_x86_decode_gemm), W as [N, K] or transpose_rhs
   [K, N], with a fused f32 rescale;
 - a dynamic N or K (M static above 3 rows, or M dynamic too) takes the
   blocked dynamic-size lowering as a batch of one (its remark "in static
   blocks of"), either rhs layout, a transposed lhs, a rescale after it;
   its column blocks split across the threads.
Bit-exact against NumPy int64 (quantc.reference.rescale for the rescale)
for odd N and K (K % 4 != 0, K % 64 != 0, K over several 256-blocks), -128
everywhere, a second call with other sizes, 2 threads
(vnni-parallel-min-macs=0), on cpu=vnni-emulated, avx2, vnni, host (amx on
an AMX CPU) and amx-emulated / amx. No remark may say "reference
lowering"."""
import os

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

from gemm_cases import GemmCases, cpus
from quantc import reference as ref

t = GemmCases(1616)
DECODE = "__quantc_x86_decode_gemm"
BLOCKS = "in static blocks of"


def static_ir(m, n, k, nn):
    """Static [M, K] x [N, K] (or transpose_rhs [K, N]), run-time rhs."""
    attr = " {transpose_rhs}" if nn else ""
    wt = f"tensor<{k}x{n}xi8>" if nn else f"tensor<{n}x{k}xi8>"
    return f"""
func.func @main(%x: tensor<{m}x{k}xi8>, %w: {wt}) -> tensor<{m}x{n}xi32> {{
  %r = quantc.matmul %x, %w{attr} : tensor<{m}x{k}xi8>, {wt} -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}"""


def static_rescaled_ir(m, n, k):
    """Static rows with a per-token x per-channel f32 rescale."""
    return f"""
func.func @main(%x: tensor<{m}x{k}xi8>, %w: tensor<{n}x{k}xi8>, %xs: tensor<{m}x1xf32>, %ws: tensor<1x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %r = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xi32>
  %y = quantc.rescale %r, %xs, %ws : (tensor<{m}x{n}xi32>, tensor<{m}x1xf32>, tensor<1x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}"""


def dynamic_ir(m, n, k, nn):
    """2-D with any of M, N, K dynamic (None), rhs [N, K] or [K, N]."""
    d = lambda v: "?" if v is None else str(v)
    attr = " {transpose_rhs}" if nn else ""
    xt = f"tensor<{d(m)}x{d(k)}xi8>"
    wt = f"tensor<{d(k)}x{d(n)}xi8>" if nn else f"tensor<{d(n)}x{d(k)}xi8>"
    rt = f"tensor<{d(m)}x{d(n)}xi32>"
    return f"""
func.func @main(%x: {xt}, %w: {wt}) -> {rt} {{
  %r = quantc.matmul %x, %w{attr} : {xt}, {wt} -> {rt}
  return %r : {rt}
}}"""


def transposed_lhs_ir(m, n):
    """transpose_lhs [K, M] x [N, K], K dynamic (M, N static or None)."""
    d = lambda v: "?" if v is None else str(v)
    xt, wt = f"tensor<?x{d(m)}xi8>", f"tensor<{d(n)}x?xi8>"
    rt = f"tensor<{d(m)}x{d(n)}xi32>"
    return f"""
func.func @main(%x: {xt}, %w: {wt}) -> {rt} {{
  %r = quantc.matmul %x, %w {{transpose_lhs}} : {xt}, {wt} -> {rt}
  return %r : {rt}
}}"""


def dynamic_rescaled_ir(m):
    """M static, N and K dynamic, a per-token x per-channel rescale."""
    return f"""
func.func @main(%x: tensor<{m}x?xi8>, %w: tensor<?x?xi8>, %xs: tensor<{m}x1xf32>, %ws: tensor<1x?xf32>) -> tensor<{m}x?xf32> {{
  %r = quantc.matmul %x, %w : tensor<{m}x?xi8>, tensor<?x?xi8> -> tensor<{m}x?xi32>
  %y = quantc.rescale %r, %xs, %ws : (tensor<{m}x?xi32>, tensor<{m}x1xf32>, tensor<1x?xf32>) -> tensor<{m}x?xf32>
  return %y : tensor<{m}x?xf32>
}}"""


def ref2(x, w, nn):
    """x [M, K] times w [N, K] (or [K, N] with nn) in int64."""
    return x.astype(np.int64) @ (w.astype(np.int64) if nn
                                 else w.astype(np.int64).T)


for cpu in cpus(amx=True):
    emulated = "emulated" in cpu
    for variant in ["", " vnni-parallel-min-macs=0"]:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{variant}}}"
        # Static 1-3 rows: the decode kernel (threads split its columns).
        for m, n, k in [(1, 1, 1), (1, 40, 64), (2, 17, 131), (3, 300, 67),
                        (3, 5, 4)]:
            for nn in (False, True):
                mod = t.compile_checked(static_ir(m, n, k, nn), pipeline,
                                        f"static {m}x{n}x{k} nn={nn}",
                                        require_ir=[DECODE])
                x = t.i8((m, k))
                w = t.i8((k, n) if nn else (n, k))
                t.check(f"{pipeline} static {m}x{n}x{k} nn={nn}",
                        mod.main(x, w), ref2(x, w, nn))
                x = np.full((m, k), -128, np.int8)
                w = np.full(w.shape, -128, np.int8)
                t.check(f"{pipeline} static {m}x{n}x{k} nn={nn} all -128",
                        mod.main(x, w), ref2(x, w, nn))
        for m in (1, 3):
            n, k = 37, 70
            mod = t.compile_checked(static_rescaled_ir(m, n, k), pipeline,
                                    "static rescaled", require_ir=[DECODE],
                                    forbid=["not fused"])
            x, w = t.i8((m, k)), t.i8((n, k))
            xs = t.rng.uniform(0.01, 0.2, (m, 1)).astype(np.float32)
            ws = t.rng.uniform(0.01, 0.2, (1, n)).astype(np.float32)
            want = ref.rescale(ref2(x, w, False).astype(np.int32), xs, ws)
            t.check(f"{pipeline} static rescaled M={m}",
                    mod.main(x, w, xs, ws), want)
        # A dynamic N or K, more than 3 rows (or M dynamic too): blocks.
        # (M, N, K) of the type, None dynamic; then the run-time sizes.
        small = emulated
        shapes = [((4, None, 70), [(4, 1, 70), (4, 131, 70)]),
                  ((37, 19, None), [(37, 19, 1), (37, 19, 259 if small else 513)]),
                  ((5, None, None), [(5, 65, 67), (5, 2, 3)]),
                  ((None, None, None), [(70, 131, 67), (4, 1, 1),
                                        (65, 64, 300)]),
                  ((None, 33, None), [(1, 33, 9), (129, 33, 257)])]
        for (tm, tn, tk), sizes in shapes:
            for nn in (False, True):
                label = f"dynamic {tm}x{tn}x{tk} nn={nn}"
                mod = t.compile_checked(dynamic_ir(tm, tn, tk, nn), pipeline,
                                        label, parallel=True,
                                        require=[BLOCKS])
                for m, n, k in sizes:
                    x = t.i8((m, k))
                    w = t.i8((k, n) if nn else (n, k))
                    t.check(f"{pipeline} {label} {m}x{n}x{k}",
                            mod.main(x, w), ref2(x, w, nn))
                m, n, k = sizes[-1]
                x = np.full((m, k), -128, np.int8)
                w = np.full((k, n) if nn else (n, k), -128, np.int8)
                t.check(f"{pipeline} {label} all -128", mod.main(x, w),
                        ref2(x, w, nn))
        # A transposed lhs ([K, M], K strided: copied per block), 2 rows
        # (not the decode kernel, which takes A row-major) or M dynamic.
        for tm, tn, sizes in [(2, None, [(2, 67, 5)]),
                              (None, 3, [(70, 3, 300), (1, 3, 1)])]:
            label = f"transposed lhs {tm}x{tn}"
            mod = t.compile_checked(transposed_lhs_ir(tm, tn), pipeline, label,
                                    parallel=True, require=[BLOCKS])
            for m, n, k in sizes:
                x, w = t.i8((k, m)), t.i8((n, k))
                t.check(f"{pipeline} {label} {m}x{n}x{k}", mod.main(x, w),
                        ref2(np.ascontiguousarray(x.T), w, False))
        # The blocks' column blocks and the rescale after them (an
        # elementwise op whose row loop is on the OpenMP team,
        # --quantc-x86-outline-rows) both call GOMP_parallel.
        mod = t.compile_checked(dynamic_rescaled_ir(6), pipeline,
                                "dynamic rescaled", parallel=True,
                                require=[BLOCKS])
        for n, k in [(21, 70), (3, 300)]:
            x, w = t.i8((6, k)), t.i8((n, k))
            xs = t.rng.uniform(0.01, 0.2, (6, 1)).astype(np.float32)
            ws = t.rng.uniform(0.01, 0.2, (1, n)).astype(np.float32)
            want = ref.rescale(ref2(x, w, False).astype(np.int32), xs, ws)
            t.check(f"{pipeline} dynamic rescaled 6x{n}x{k}",
                    mod.main(x, w, xs, ws), want)
t.report()
