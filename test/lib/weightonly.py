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
