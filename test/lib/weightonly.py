"""The shared preamble of the weight-only CPU integration tests
(test/Integration/CPU/weight-only-gemm.py, w4a16-gemm.py,
weight-only-dynamic-m.py): the pipelines they run (vnni-emulated, avx2 when
the CPU has it, the host with every GEMM parallel), MLIR text helpers, and a
Checker that counts checks and failures, checks the error bound against a
float64 reference, and compiles a GEMM after checking that it took the
weight-only kernels."""
import numpy as np

import quantc
from qtest import libgomp

# Threads for the parallel pipeline: set by the tests before importing
# quantc (OMP_NUM_THREADS=3).
_FLAGS = open("/proc/cpuinfo").read().split()

PIPELINES = ["quantc-cpu-pipeline{cpu=vnni-emulated}"]
if "avx2" in _FLAGS:
    PIPELINES.append("quantc-cpu-pipeline{cpu=avx2}")
PIPELINES.append("quantc-cpu-pipeline{cpu=host vnni-parallel-min-macs=0}")


def is_parallel(pipeline):
    """Whether `pipeline` (one of PIPELINES) runs every GEMM parallel."""
    return "parallel-min-macs=0" in pipeline


def tt(shape, elem="f32"):
    """The MLIR tensor type of `shape` ("?" for a run-time extent)."""
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def dense(a, fmt=str):
    """A 2-D `dense<[[...], ...]>` of `a`, each element written by `fmt`."""
    return "dense<[" + ", ".join(
        "[" + ", ".join(fmt(v) for v in row) + "]" for row in a) + "]>"


def matmul_func(args, body, m, n, k, w_type, x="%x", x_elem="f32",
                accumulate=False, transposed=False):
    """`func.func @main(args)` with `body` (which defines `x` [m, k] of
    `x_elem` and the float weight %w of type `w_type`, [k, n] or, when
    `transposed`, [n, k]) and then the f32 output: the argument %c [m, n]
    when `accumulate` (appended to `args`), else zeros; `%r = linalg.matmul`
    into it, returned. `m` may be "?" (its size read from %x)."""
    out = tt((m, n))
    if accumulate:
        args.append(f"%c: {out}")
        init = "%c"
    else:
        sizes = ""
        if m == "?":
            body += ("  %c0_m = arith.constant 0 : index\n"
                     f"  %m = tensor.dim %x, %c0_m : {tt((m, k))}\n")
            sizes = "%m"
        body += (f"  %zero = arith.constant 0.0 : f32\n"
                 f"  %e = tensor.empty({sizes}) : {out}\n"
                 f"  %f = linalg.fill ins(%zero : f32) outs(%e : {out}) -> {out}\n")
        init = "%f"
    maps = ""
    if transposed:
        maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                "affine_map<(m, n, k) -> (n, k)>, "
                "affine_map<(m, n, k) -> (m, n)>] ")
    body += (f"  %r = linalg.matmul {maps}ins({x}, %w : {tt((m, k), x_elem)}, "
             f"{w_type}) outs({init} : {out}) -> {out}\n")
    return (f"func.func @main({', '.join(args)}) -> {out} {{\n{body}"
            f"  return %r : {out}\n}}")


class Checker:
    """Counts checks and failures; prints FAIL lines and, at the end, ALL
    PASSED when nothing failed (what the tests' FileCheck lines read)."""

    def __init__(self, bound=1e-5):
        self.bound = bound
        self.failures = 0
        self.checks = 0
        self.gomp = libgomp()

    def fail(self, label, why):
        self.failures += 1
        print(f"FAIL {label}: {why}")

    def check_bound(self, label, got, x64, w64, init=None):
        """|got - x64 w64 (+ init)| <= bound * (|x64| |w64| + |init|), per
        output element (the conditioning of the dot products)."""
        self.checks += 1
        want = x64 @ w64
        scale = np.abs(x64) @ np.abs(w64)
        if init is not None:
            want = want + init
            scale = scale + np.abs(init)
        got = np.asarray(got, np.float64)
        if got.shape != want.shape:
            self.fail(label, f"shape {got.shape} vs {want.shape}")
            return
        ratio = (np.abs(got - want) / np.maximum(scale, 1e-30)).max()
        if not ratio <= self.bound:
            self.fail(label, f"max error / (|x||w|) = {ratio:.3g} > {self.bound}")

    def compile(self, ir, pipeline, label, kernels, want_parallel=False,
                remark=None, quiet=False):
        """`ir` lowered with `pipeline`, checked to hold each string of
        `kernels` (the weight-only kernels' names, "@name(" for an exact
        one), with no remark that it fell back to the dequantized weight
        (`quiet`: no weight-only remark at all) and no float kernel, with
        `remark` among its diagnostics (if given) and parallel (if
        `want_parallel`); then JIT-compiled."""
        out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
        fallback = "weight-only kernel" if quiet else "dequantized to float"
        if fallback in diags or "__quantc_x86_sgemm" in out or \
                any(k not in out for k in kernels):
            self.fail(label, f"not on the weight-only kernels {kernels}: {diags}")
        if remark is not None and remark not in diags:
            self.fail(label, f"no remark {remark!r}: {diags}")
        if want_parallel and "GOMP_parallel" not in out:
            self.fail(label, "not parallel")
        return quantc.compile_cpu(ir, pipeline, shared_libs=[self.gomp])

    def finish(self):
        """Prints the summary line."""
        if self.failures == 0:
            print("ALL PASSED")
        else:
            print(f"{self.failures} FAILED of {self.checks} checks")
