# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""int8 GEMMs whose weight is a function argument or the result of another
op (issue 16): the VNNI / AVX2 kernels pack it at run time (the plan's
runtime_weight) or, at 4 <= M <= 32 on VNNI (plan small_m; M <= 3: the
decode kernel, any ISA), read it in place and
pack A instead; bit-exact against NumPy. Odd shapes (M, N, K not multiples
of the tiles, K % 4 != 0, M = 1, M of two small_m blocks, a tail panel),
-128 inputs, a fused requantizing epilogue (against NumPy and the reference
lowering), a weight quantized in the function, a weight slice (a row stride
other than K), batched (rank-3) GEMMs (batch 1 and 33), several panel blocks
(vnni-panel-block-kib=1), both packers (vnni-nr=1; these two with
vnni-small-m=0, so that small M takes the packing kernel), and an OpenMP
run (3 threads, each packing its own panels or A), on cpu=vnni-emulated,
avx2 and host."""
import os

os.environ["OMP_NUM_THREADS"] = "3"

import numpy as np

import quantc
from qtest import libgomp
from quantc import reference as ref

rng = np.random.default_rng(16)
GOMP = libgomp()


def i8(shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


def plain_ir(m, n, k):
    return f"""
func.func @main(%x: tensor<{m}x{k}xi8>, %w: tensor<{n}x{k}xi8>) -> tensor<{m}x{n}xi32> {{
  %r = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}"""


# The weight quantized in the function (not an argument, not a constant),
# with a per-row / per-column requantizing ReLU epilogue fused.
def fused_ir(m, n, k):
    return f"""
func.func @main(%x: tensor<{m}x{k}xi8>, %wf: tensor<{n}x{k}xf32>, %xs: tensor<{m}x1xf32>, %ws: tensor<1x{n}xf32>) -> tensor<{m}x{n}xi8> {{
  %s = arith.constant dense<1.0> : tensor<1x1xf32>
  %os = arith.constant dense<0.25> : tensor<1x1xf32>
  %w = quantc.quantize %wf, %s : tensor<{n}x{k}xf32>, tensor<1x1xf32> -> tensor<{n}x{k}xi8>
  %acc = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xi32>
  %y = quantc.rescale %acc, %xs, %ws output_scale %os {{activation = #quantc.activation<relu>, qmin = -128 : i64, qmax = 127 : i64}} : (tensor<{m}x{n}xi32>, tensor<{m}x1xf32>, tensor<1x{n}xf32>, tensor<1x1xf32>) -> tensor<{m}x{n}xi8>
  return %y : tensor<{m}x{n}xi8>
}}"""


# Batched (rank 3, attention's Q . K^T per head): the kernel per batch.
def batched_ir(bt, m, n, k):
    return f"""
func.func @main(%x: tensor<{bt}x{m}x{k}xi8>, %w: tensor<{bt}x{n}x{k}xi8>) -> tensor<{bt}x{m}x{n}xi32> {{
  %r = quantc.matmul %x, %w : tensor<{bt}x{m}x{k}xi8>, tensor<{bt}x{n}x{k}xi8> -> tensor<{bt}x{m}x{n}xi32>
  return %r : tensor<{bt}x{m}x{n}xi32>
}}"""


# W [N, K] is a slice of a [N + 3, K + 5] argument: rows K + 5 apart.
def sliced_ir(m, n, k):
    return f"""
func.func @main(%x: tensor<{m}x{k}xi8>, %wb: tensor<{n + 3}x{k + 5}xi8>) -> tensor<{m}x{n}xi32> {{
  %w = tensor.extract_slice %wb[1, 2] [{n}, {k}] [1, 1] : tensor<{n + 3}x{k + 5}xi8> to tensor<{n}x{k}xi8>
  %r = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xi32>
  return %r : tensor<{m}x{n}xi32>
}}"""


BATCHED = [(3, 7, 20, 13), (2, 1, 70, 64), (4, 9, 33, 130), (33, 1, 17, 9),
           (1, 40, 21, 30)]
SHAPES = [(1, 70, 13), (7, 130, 67), (13, 264, 258), (6, 64, 64),
          (1, 1, 1), (25, 333, 1001), (40, 50, 70)]
SLICED = [(5, 37, 70), (40, 20, 9)]
flags = open("/proc/cpuinfo").read().split()
cpus = ["vnni-emulated"]
if "avx2" in flags:
    cpus.append("avx2")
cpus.append("host")
# vnni-nr=1: panels of 16 (VNNI) or 8 (AVX2) columns; 8 take the
# column-by-column packer, multiples of 16 the transposing one.
variants = ["", " vnni-panel-block-kib=1 vnni-small-m=0",
            " vnni-nr=1 vnni-small-m=0", " vnni-parallel-min-macs=0"]

failures = 0


def check(label, got, want):
    global failures
    if got.shape != want.shape or not np.array_equal(got, want):
        failures += 1
        err = (np.abs(got.astype(np.int64) - want.astype(np.int64)).max()
               if got.shape == want.shape else "-")
        print(f"FAIL {label}: {got.shape} vs {want.shape}, max error {err}")


generic = quantc.compile_cpu(fused_ir(11, 150, 45),
                             "quantc-cpu-pipeline{cpu=generic}")
for cpu in cpus:
    for variant in variants:
        pipeline = f"quantc-cpu-pipeline{{cpu={cpu}{variant}}}"
        for m, n, k in SHAPES:
            ir = plain_ir(m, n, k)
            out, diags = quantc.run_pipeline(ir, pipeline,
                                             return_diagnostics=True)
            # A run-time weight is no reason for the reference lowering.
            if "reference lowering" in diags:
                failures += 1
                print(f"FAIL {pipeline} {m}x{n}x{k}: {diags}")
            if "parallel-min-macs=0" in variant and cpu != "host" and \
                    "GOMP_parallel" not in out:
                failures += 1
                print(f"FAIL {pipeline} {m}x{n}x{k}: not parallel")
            # Which kernel: the decode kernel for M <= 3 (any ISA, any
            # small-m), small_m exactly for VNNI, 4 <= M <= 32, small-m on.
            lowered = quantc.run_pipeline(
                ir, "quantc-lower-matmul-to-x86{isa=avx2}" if cpu == "avx2"
                else "quantc-lower-matmul-to-x86{small-m=%d}"
                % (0 if "small-m=0" in variant else 32))
            want_decode = m <= 3
            want_small = cpu != "avx2" and "small-m=0" not in variant \
                and 4 <= m <= 32
            if ("small_m = true" in lowered) != want_small or \
                    ("__quantc_x86_decode_gemm" in lowered) != want_decode:
                failures += 1
                print(f"FAIL {pipeline} {m}x{n}x{k}: small_m expected "
                      f"{want_small}, decode expected {want_decode}")
            mod = quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])
            x, w = i8((m, k)), i8((n, k))
            x[0, :] = -128  # the +128 shift and the compensation
            w[0, :] = -128
            if n > 2:
                w[2, :] = 127
            got = mod.main(x, w)
            check(f"{pipeline} {m}x{n}x{k}", got, ref.int_matmul(x, w))
            # The same kernel, called again with other operands.
            x2, w2 = i8((m, k)), i8((n, k))
            check(f"{pipeline} {m}x{n}x{k} (second call)", mod.main(x2, w2),
                  ref.int_matmul(x2, w2))
        # The slices and batches (kernel-independent call paths) under two
        # variants only: the test's time.
        if variant not in ("", " vnni-nr=1 vnni-small-m=0"):
            continue
        for m, n, k in SLICED:
            mod = quantc.compile_cpu(sliced_ir(m, n, k), pipeline,
                                     shared_libs=[GOMP])
            x, wb = i8((m, k)), i8((n + 3, k + 5))
            wb[1, :] = -128
            check(f"{pipeline} sliced {m}x{n}x{k}", mod.main(x, wb),
                  ref.int_matmul(x, wb[1:1 + n, 2:2 + k]))
        for bt, m, n, k in BATCHED:
            ir = batched_ir(bt, m, n, k)
            _, diags = quantc.run_pipeline(ir, pipeline,
                                           return_diagnostics=True)
            if "reference lowering" in diags:
                failures += 1
                print(f"FAIL {pipeline} batched: {diags}")
            mod = quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP])
            x, w = i8((bt, m, k)), i8((bt, n, k))
            x[:, 0, :] = -128
            w[-1, 0, :] = -128
            want = np.einsum("bmk,bnk->bmn", x.astype(np.int64),
                             w.astype(np.int64))
            check(f"{pipeline} batched {bt}x{m}x{n}x{k}",
                  mod.main(x, w).astype(np.int64), want)
        m, n, k = 11, 150, 45
        mod = quantc.compile_cpu(fused_ir(m, n, k), pipeline,
                                 shared_libs=[GOMP])
        x = i8((m, k))
        x[0, :] = -128
        wf = rng.integers(-128, 128, (n, k)).astype(np.float32)
        xs = rng.uniform(0.01, 0.02, (m, 1)).astype(np.float32)
        ws = rng.uniform(0.01, 0.02, (1, n)).astype(np.float32)
        os_ = np.array([[0.25]], np.float32)
        # quantc.quantize without qmin/qmax clamps to i8's narrow [-127, 127].
        wq = ref.quantize(wf, np.ones((1, 1), np.float32))
        want = ref.rescale(ref.int_matmul(x, wq), xs, ws, None, "relu", os_,
                           qmin=-128, qmax=127)
        got = mod.main(x, wf, xs, ws)
        # The requantizing epilogue is the shared one: bit-exact against NumPy
        # and against the reference lowering of the same function.
        check(f"{pipeline} fused {m}x{n}x{k} vs cpu=generic", got,
              generic.main(x, wf, xs, ws))
        check(f"{pipeline} fused {m}x{n}x{k} vs NumPy", got, want)
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
