# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Float contractions with a run-time token count on the x86 FMA kernels
(issue 19 with issue 16's dynamic tokens): one compiled function per
program, called with M = 0, 1, 5, 7, 13, 483 and 965 rows (the M tail of
mr = 6 rows through each tail tile, several M blocks of mc = 480), against
NumPy float64, for

 - linalg.matmul with B [K, N] and B [N, K] (nn.Linear), zero-filled and
   accumulating inits;
 - batch_matmul with a run-time batch count and M;
 - a 3-D linear [?, ?, K] x [K, N] (batches folded into M) and
   batch_matmul with a broadcast 2-D B (likewise folded);
 - f16 / bf16 operands (and an f16 output);
 - threaded runs: every call on the team (parallel-min-macs=0), and the
   run-time choice (serial below the threshold's row count, parallel from
   it on);

with the bounds of float-gemm.py (the same derivation): |y - y64| <=
bound * (|A| |B|)_ij, bound 1e-5 for f32 operands, 2u + u^2 + 1e-5 against
the unrounded data for f16 (u = 2^-11) / bf16 (u = 2^-8) operands, plus
2^-11 for an f16 output. Every program must take the kernel (no reference
lowering remark).
"""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

import quantc
from qtest import libgomp, bf16_round

rng = np.random.default_rng(1916)
GOMP = libgomp()
F32_BOUND = 1e-5
ROWS = [0, 1, 5, 7, 13, 483, 965]
failures = 0
checks = 0


def tt(shape, elem="f32"):
    return "tensor<" + "".join(
        ("?" if d is None else str(d)) + "x" for d in shape) + elem + ">"


def check(label, got, a64, b64, spec, bound, init=None):
    """got against einsum(spec) of the float64 operands (+ init)."""
    global failures, checks
    checks += 1
    want = np.einsum(spec, a64, b64)
    scale = np.einsum(spec, np.abs(a64), np.abs(b64))
    if init is not None:
        want = want + init
        scale = scale + np.abs(init)
    got = np.asarray(got, np.float64)
    if got.shape != want.shape:
        failures += 1
        print(f"FAIL {label}: shape {got.shape} vs {want.shape}")
        return
    if got.size == 0:
        return
    err = np.abs(got - want)
    ratio = (err / np.maximum(scale, 1e-30)).max()
    if not ratio <= bound:
        failures += 1
        print(f"FAIL {label}: max error / (|A||B|) = {ratio:.3g} > {bound:.3g}")


def randn(shape):
    return rng.standard_normal(shape).astype(np.float32)


def compile_checked(ir, pipeline, label, want_parallel=False):
    """Compiles `ir`; a FAIL if a contraction stayed on the reference
    lowering, no FMA kernel was made, or a wanted parallel call is missing."""
    global failures
    out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
    if "reference lowering" in diags or "__quantc_x86_sgemm" not in out:
        failures += 1
        print(f"FAIL {label}: {diags}")
    if want_parallel and "GOMP_parallel" not in out:
        failures += 1
        print(f"FAIL {label}: not parallel")
    return quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])


def fill(shape_ty, dims, out="f32"):
    """A zero-filled tensor.empty of `shape_ty` sized by `dims` (the
    run-time extents, as %names)."""
    return (f"  %z = arith.constant 0.0 : {out}\n"
            f"  %e = tensor.empty({', '.join(dims)}) : {shape_ty}\n"
            f"  %f = linalg.fill ins(%z : {out}) outs(%e : {shape_ty}) -> "
            f"{shape_ty}\n")


def linear_ir(n, k, tb, accumulate, elem="f32", out="f32"):
    """y[?, n] = x[?, k] . W ([k, n], or [n, k] when tb)."""
    a_ty, b_ty = tt((None, k)), tt((n, k) if tb else (k, n))
    o_ty = tt((None, n), out)
    args = f"%a: {a_ty}, %b: {b_ty}"
    body = ("  %c0 = arith.constant 0 : index\n"
            f"  %m = tensor.dim %a, %c0 : {a_ty}\n")
    a, b = "%a", "%b"
    if elem != "f32":
        body += (f"  %ah = arith.truncf %a : {a_ty} to {tt((None, k), elem)}\n"
                 f"  %bh = arith.truncf %b : {b_ty} to "
                 f"{tt((n, k) if tb else (k, n), elem)}\n")
        a, b = "%ah", "%bh"
        a_ty = tt((None, k), elem)
        b_ty = tt((n, k) if tb else (k, n), elem)
    if accumulate:
        args += f", %c: {o_ty}"
        init = "%c"
    else:
        body += fill(o_ty, ["%m"], out)
        init = "%f"
    maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
            "affine_map<(m, n, k) -> (n, k)>, "
            "affine_map<(m, n, k) -> (m, n)>] ") if tb else ""
    return f"""
func.func @main({args}) -> {o_ty} {{
{body}  %r = linalg.matmul {maps}ins({a}, {b} : {a_ty}, {b_ty}) outs({init} : {o_ty}) -> {o_ty}
  return %r : {o_ty}
}}"""


flags = open("/proc/cpuinfo").read().split()
pipelines = ["quantc-cpu-pipeline{cpu=vnni-emulated}"]
if "avx2" in flags:
    pipelines.append("quantc-cpu-pipeline{cpu=avx2}")
# Threaded: every call split over its panels (3 threads).
pipelines.append("quantc-cpu-pipeline{cpu=host vnni-parallel-min-macs=0}")
# The run-time choice: 130 x 300 = 39000 multiply-adds a row, so calls of
# at least 3 rows run on the team, 0..2 rows serially.
pipelines.append("quantc-cpu-pipeline{cpu=host vnni-parallel-min-macs=100000}")

for pipeline in pipelines:
    parallel = "parallel-min-macs=" in pipeline
    for n, k, tb in [(130, 300, False), (130, 300, True), (70, 13, True),
                     (64, 257, False)]:
        accumulate = tb and n == 130
        label = f"{pipeline} ?x{n}x{k} tb={tb} acc={accumulate}"
        mod = compile_checked(linear_ir(n, k, tb, accumulate), pipeline,
                              label, parallel and n > 64)
        for m in ROWS:
            a, b = randn((m, k)), randn((k, n))
            args = [a, b.T.copy() if tb else b]
            c = None
            if accumulate:
                c = randn((m, n))
                args.append(c)
            check(f"{label} M={m}", mod.main(*args), a.astype(np.float64),
                  b.astype(np.float64), "mk,kn->mn", F32_BOUND,
                  None if c is None else c.astype(np.float64))

    # f16 / bf16 operands (f32 accumulation), an f16 output.
    for elem, out, n, k, tb in [("f16", "f32", 150, 300, False),
                                ("bf16", "f32", 70, 600, True),
                                ("f16", "f16", 100, 600, True)]:
        label = f"{pipeline} {elem}->{out} ?x{n}x{k} tb={tb}"
        mod = compile_checked(linear_ir(n, k, tb, False, elem, out), pipeline,
                              label)
        u = 2.0**-11 if elem == "f16" else 2.0**-8
        out_round = 2.0**-11 if out == "f16" else 0.0
        for m in [1, 7, 13]:
            a, b = randn((m, k)), randn((k, n))
            got = np.asarray(mod.main(a, b.T.copy() if tb else b))
            check(f"{label} M={m}", got.astype(np.float32),
                  a.astype(np.float64), b.astype(np.float64), "mk,kn->mn",
                  2 * u + u * u + F32_BOUND + out_round)

    # Batched, with run-time batch counts and rows.
    n, k = 70, 45
    o = tt((None, None, n))
    dims = ("  %c0 = arith.constant 0 : index\n"
            "  %c1 = arith.constant 1 : index\n"
            f"  %bt = tensor.dim %a, %c0 : {tt((None, None, k))}\n"
            f"  %m = tensor.dim %a, %c1 : {tt((None, None, k))}\n")
    z = fill(o, ["%bt", "%m"])
    cases = [
        ("batch_matmul", f"""
func.func @main(%a: {tt((None, None, k))}, %b: {tt((None, k, n))}) -> {o} {{
{dims}{z}  %r = linalg.batch_matmul ins(%a, %b : {tt((None, None, k))}, {tt((None, k, n))}) outs(%f : {o}) -> {o}
  return %r : {o}
}}""", True, "bmk,bkn->bmn"),
        ("3-D linear generic", f"""
func.func @main(%a: {tt((None, None, k))}, %b: {tt((n, k))}) -> {o} {{
{dims}{z}  %r = linalg.generic {{indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%a, %b : {tt((None, None, k))}, {tt((n, k))}) outs(%f : {o}) {{
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }} -> {o}
  return %r : {o}
}}""", False, "bmk,nk->bmn"),
        ("batch_matmul broadcast rhs", f"""
func.func @main(%a: {tt((None, None, k))}, %b: {tt((k, n))}) -> {o} {{
{dims}{z}  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%a, %b : {tt((None, None, k))}, {tt((k, n))}) outs(%f : {o}) -> {o}
  return %r : {o}
}}""", False, "bmk,kn->bmn"),
    ]
    for name, ir, batched_b, spec in cases:
        label = f"{pipeline} {name}"
        mod = compile_checked(ir, pipeline, label, parallel)
        for bt, m in [(0, 5), (3, 0), (1, 1), (3, 7), (2, 481)]:
            a = randn((bt, m, k))
            if batched_b:
                b = randn((bt, k, n))
            elif "nk" in spec:
                b = randn((n, k))
            else:
                b = randn((k, n))
            check(f"{label} batch={bt} M={m}", mod.main(a, b),
                  a.astype(np.float64), b.astype(np.float64), spec, F32_BOUND)

# Run-time N and K (and M): linear layers with B [K, N] and [N, K] (M, N, K
# each static or dynamic; the N tail through masked panels of 1..nr vectors,
# K through one or more K blocks of 256 and a K of 0), and attention with a
# run-time token count over run-time heads: Q . K^T (batch_matmul with B
# transposed, N = keys) and P . V (plain batch_matmul, K = keys).


def dyn_linear_ir(dyn, n, k, tb, accumulate):
    """y[m, n] = x[m, k] . W ([k, n], or [n, k] when tb); `dyn` names the
    extents among "mnk" that are run-time."""
    M, N, K = [None if d in dyn else v for d, v in zip("mnk", (9, n, k))]
    a_ty, b_ty = tt((M, K)), tt((N, K) if tb else (K, N))
    o_ty = tt((M, N))
    args = f"%a: {a_ty}, %b: {b_ty}"
    body = ("  %c0 = arith.constant 0 : index\n"
            "  %c1 = arith.constant 1 : index\n"
            f"  %m = tensor.dim %a, %c0 : {a_ty}\n"
            f"  %n = tensor.dim %b, {'%c0' if tb else '%c1'} : {b_ty}\n")
    dims = (["%m"] if M is None else []) + (["%n"] if N is None else [])
    if accumulate:
        args += f", %c: {o_ty}"
        init = "%c"
    else:
        body += fill(o_ty, dims)
        init = "%f"
    maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
            "affine_map<(m, n, k) -> (n, k)>, "
            "affine_map<(m, n, k) -> (m, n)>] ") if tb else ""
    return f"""
func.func @main({args}) -> {o_ty} {{
{body}  %r = linalg.matmul {maps}ins(%a, %b : {a_ty}, {b_ty}) outs({init} : {o_ty}) -> {o_ty}
  return %r : {o_ty}
}}"""


DYN_SHAPES = {  # (dyn, tb, accumulate): [(m, n, k) run with]
    ("n", False, False): [(9, 1, 40), (9, 70, 40), (9, 64, 40), (9, 200, 40)],
    ("k", True, True): [(9, 70, 0), (9, 70, 1), (9, 70, 17), (9, 70, 300),
                        (9, 70, 600)],
    ("nk", True, False): [(9, 1, 1), (9, 17, 256), (9, 130, 257),
                          (9, 255, 31)],
    ("mnk", False, True): [(0, 70, 40), (1, 5, 3), (7, 130, 513),
                           (483, 66, 300), (13, 0, 5)],
    ("mnk", True, False): [(5, 70, 300), (481, 129, 33), (2, 250, 700)],
}
for pipeline in pipelines:
    parallel = "parallel-min-macs=" in pipeline
    for (dyn, tb, accumulate), runs in DYN_SHAPES.items():
        n, k = 70, 40  # the static ones
        label = f"{pipeline} dynamic {dyn} tb={tb} acc={accumulate}"
        mod = compile_checked(dyn_linear_ir(dyn, n, k, tb, accumulate),
                              pipeline, label, parallel)
        for m, nn, kk in runs:
            if "n" not in dyn:
                nn = n
            if "k" not in dyn:
                kk = k
            if "m" not in dyn:
                m = 9
            a, b = randn((m, kk)), randn((kk, nn))
            args = [a, b.T.copy() if tb else b]
            c = None
            if accumulate:
                c = randn((m, nn))
                args.append(c)
            check(f"{label} M={m} N={nn} K={kk}", mod.main(*args),
                  a.astype(np.float64), b.astype(np.float64), "mk,kn->mn",
                  F32_BOUND, None if c is None else c.astype(np.float64))

    # Attention: heads h, queries t and keys s at run time, head size 64.
    D = 64
    q_ty, s_ty = tt((None, None, D)), tt((None, None, None))
    head_dims = ("  %c0 = arith.constant 0 : index\n"
                 "  %c1 = arith.constant 1 : index\n"
                 "  %c2 = arith.constant 2 : index\n")
    qk_ir = f"""
func.func @main(%q: {q_ty}, %k: {q_ty}) -> {s_ty} {{
{head_dims}  %h = tensor.dim %q, %c0 : {q_ty}
  %t = tensor.dim %q, %c1 : {q_ty}
  %s = tensor.dim %k, %c1 : {q_ty}
{fill(s_ty, ["%h", "%t", "%s"])}  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%q, %k : {q_ty}, {q_ty}) outs(%f : {s_ty}) -> {s_ty}
  return %r : {s_ty}
}}"""
    pv_ir = f"""
func.func @main(%p: {s_ty}, %v: {q_ty}) -> {q_ty} {{
{head_dims}  %h = tensor.dim %p, %c0 : {s_ty}
  %t = tensor.dim %p, %c1 : {s_ty}
{fill(q_ty, ["%h", "%t"])}  %r = linalg.batch_matmul ins(%p, %v : {s_ty}, {q_ty}) outs(%f : {q_ty}) -> {q_ty}
  return %r : {q_ty}
}}"""
    qk = compile_checked(qk_ir, pipeline, f"{pipeline} Q.K^T", parallel)
    # P.V: one panel of 64 columns, nothing to split over threads.
    pv = compile_checked(pv_ir, pipeline, f"{pipeline} P.V")
    for h, t, s in [(1, 1, 1), (2, 7, 7), (3, 1, 77), (2, 13, 300),
                    (0, 5, 5), (2, 0, 3), (2, 3, 0), (4, 130, 130)]:
        q, kk, v = randn((h, t, D)), randn((h, s, D)), randn((h, s, D))
        check(f"{pipeline} Q.K^T h={h} t={t} s={s}", qk.main(q, kk),
              q.astype(np.float64), kk.astype(np.float64), "hmk,hnk->hmn",
              F32_BOUND)
        p = randn((h, t, s))
        check(f"{pipeline} P.V h={h} t={t} s={s}", pv.main(p, v),
              p.astype(np.float64), v.astype(np.float64), "hmk,hkn->hmn",
              F32_BOUND)

# One activation read by two GEMMs with an elementwise op between them whose
# result may take the activation's buffer (as in q, k, v projections of one
# LayerNorm output, each followed by its bias add): the second GEMM must read
# the activation, not the bias sum (each call's to_buffer stays its own).
T = tt((None, 64))
TWO_IR = f"""
func.func @main(%x: {T}, %w1: {tt((64, 64))}, %w2: {tt((64, 64))}) -> ({T}, {T}) {{
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : {T}
  %e0 = tensor.empty(%m) : {T}
  %h = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}} ins(%x : {T}) outs(%e0 : {T}) {{
  ^bb0(%a: f32, %o: f32):
    %t = arith.mulf %a, %a : f32
    linalg.yield %t : f32
  }} -> {T}
{fill(T, ["%m"])}  %y1 = linalg.matmul ins(%h, %w1 : {T}, {tt((64, 64))}) outs(%f : {T}) -> {T}
  %e1 = tensor.empty(%m) : {T}
  %b1 = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}} ins(%y1 : {T}) outs(%e1 : {T}) {{
  ^bb0(%a: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %t = arith.addf %a, %one : f32
    linalg.yield %t : f32
  }} -> {T}
  %y2 = linalg.matmul ins(%h, %w2 : {T}, {tt((64, 64))}) outs(%f : {T}) -> {T}
  return %b1, %y2 : {T}, {T}
}}"""
for pipeline in pipelines[:1]:
    label = f"{pipeline} two GEMMs of one activation"
    mod = compile_checked(TWO_IR, pipeline, label)
    for m in [3, 16, 29]:
        x, w1, w2 = randn((m, 64)), randn((64, 64)), randn((64, 64))
        h = (x * x).astype(np.float64)
        b1, y2 = mod.main(x, w1, w2)
        check(f"{label} M={m} first", np.asarray(b1) - 1.0, h,
              w1.astype(np.float64), "mk,kn->mn", 1e-4)
        check(f"{label} M={m} second", y2, h, w2.astype(np.float64),
              "mk,kn->mn", F32_BOUND)

# The LLM.int8() outlier GEMM of a run-time token count
# (--quantc-outlier-split): the float part (the outlier columns of x times
# the outlier rows of W) takes the FMA kernel; the whole against NumPy's
# decomposition (tolerance of outlier-split.py).
from quantc import reference as ref  # noqa: E402

C, D = 16, 10
w = (rng.standard_normal((C, D)) * 0.2).astype(np.float32)
out_idx = [2, 9, 13]
absmax = np.ones(C, np.float32)
absmax[out_idx] = 40.0
wconst = ("dense<[" + ",".join("[" + ",".join(f"{v:.9e}" for v in r) + "]"
                                for r in w) + f"]> : {tt((C, D))}")
absmax_attr = ("dense<[" + ",".join(f"{v:.1f}" for v in absmax) + "]> : "
               f"{tt((C,))}")
OUTLIER_IR = f"""
func.func @main(%x: {tt((None, C))}) -> {tt((None, D))} {{
  %c0 = arith.constant 0 : index
  %w = arith.constant {wconst}
  %n = tensor.dim %x, %c0 : {tt((None, C))}
{fill(tt((None, D)), ["%n"])}  %o = quantc.observe %x {{absmax = {absmax_attr}}} : {tt((None, C))}
  %y = linalg.matmul ins(%o, %w : {tt((None, C))}, {tt((C, D))}) outs(%f : {tt((None, D))}) -> {tt((None, D))}
  return %y : {tt((None, D))}
}}"""
pipeline = "quantc-outlier-split,quantc-cpu-pipeline{cpu=host}"
out, diags = quantc.run_pipeline(OUTLIER_IR, pipeline,
                                 return_diagnostics=True)
if "FMA kernel" in diags or "__quantc_x86_sgemm" not in out:
    failures += 1
    print(f"FAIL outlier split: the float GEMM is not on the kernel: {diags}")
mod = quantc.compile_cpu(OUTLIER_IR, pipeline, shared_libs=[GOMP])
inl = [i for i in range(C) if i not in out_idx]
for m in [0, 1, 7, 13]:
    checks += 1
    x = rng.standard_normal((m, C)).astype(np.float32)
    x[:, out_idx] *= np.float32(30.0)
    want = x[:, out_idx].astype(np.float64) @ w[out_idx].astype(np.float64)
    if m:
        xi, wi = x[:, inl], w[inl]
        xs = ref.absmax_scale(xi, axis=1)
        ws = ref.absmax_scale(wi, axis=0)
        acc = ref.int_matmul(ref.quantize(xi, xs), ref.quantize(wi, ws).T)
        want = want + ref.rescale(acc, xs, ws).astype(np.float64)
    got = np.asarray(mod.main(x), np.float64)
    if got.shape != (m, D) or (m and not np.allclose(
            got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())):
        failures += 1
        print(f"FAIL outlier split M={m}: {got.shape}")

print(f"{checks} checks")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
