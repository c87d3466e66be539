"""Shared setup of the int8 GEMM integration tests on the x86 kernels
(decode-gemm.py, dynamic-batched-gemm.py, gemm-rows.py,
runtime-weight-kn.py): random int8
operands with -128 in them, the NumPy int64 reference, exact checks counted
as failures, compilation with the remarks checked, and the CPU pipelines
this machine can run."""
import numpy as np

import quantc
from qtest import libgomp


def want_nt(x, w):
    """[B, M, K] x [B, N, K] in int64 (einsum over K)."""
    return np.einsum("bmk,bnk->bmn", x.astype(np.int64), w.astype(np.int64))


def cpu_flags():
    return open("/proc/cpuinfo").read().split()


def cpus(avx2=True, vnni=True, amx=False):
    """The cpu= values to test here: vnni-emulated always; avx2 (run
    natively) where the CPU has AVX2; host (amx on an AMX CPU) where it has
    AVX-512 VNNI, and with `vnni` vnni too; with `amx`, amx-emulated always
    and amx on an AMX CPU (then not host, the same pipeline)."""
    flags = cpu_flags()
    out = ["vnni-emulated"]
    if avx2 and "avx2" in flags:
        out.append("avx2")
    hw_amx = "amx_int8" in flags and "amx_tile" in flags
    if "avx512_vnni" in flags:
        out += ["vnni"] if vnni else []
        # host is amx on an AMX CPU: not twice.
        out += [] if amx and hw_amx else ["host"]
    if amx:
        out.append("amx-emulated")
        if hw_amx:
            out.append("amx")
    return out


class GemmCases:
    """Random operands from one seed, and the failures of a test run."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.failures = 0
        self.checks = 0
        self.gomp = libgomp()

    def i8(self, shape, every=None):
        """Random int8 of `shape`: its first 3 elements -128, or with
        `every` each every-th element."""
        v = self.rng.integers(-128, 128, shape).astype(np.int8)
        if every:
            v.reshape(-1)[::every] = -128
        else:
            v.reshape(-1)[:3] = -128
        return v

    def fail(self, msg):
        self.failures += 1
        print("FAIL " + msg)

    def check(self, label, got, want):
        """`got` equal to `want` (shape and values, in want's dtype)."""
        self.checks += 1
        got = np.asarray(got)
        if got.shape != want.shape or \
                not np.array_equal(got.astype(want.dtype), want):
            err = (np.abs(got.astype(np.float64) - want.astype(np.float64)).max()
                   if got.shape == want.shape else "-")
            self.fail(f"{label}: {got.shape} vs {want.shape}, max error {err}")

    def compile_checked(self, ir, pipeline, label, parallel=True,
                        require=(), forbid=(), require_ir=()):
        """Compiles `ir` under `pipeline` after checking its diagnostics: no
        remark says "reference lowering", each string of `require` is in
        them and none of `forbid`; each of `require_ir` is in the lowered IR;
        with vnni-parallel-min-macs=0 the IR calls GOMP_parallel exactly when
        `parallel`; under cpu=avx2 no AVX-512 op."""
        out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
        if "reference lowering" in diags:
            self.fail(f"{label}: {diags}")
        for s in require:
            if s not in diags:
                self.fail(f"{label}: no remark {s!r}: {diags}")
        for s in forbid:
            if s in diags:
                self.fail(f"{label}: remark {s!r}: {diags}")
        for s in require_ir:
            if s not in out:
                self.fail(f"{label}: {s!r} not in the lowered IR")
        if "parallel-min-macs=0" in pipeline and \
                ("GOMP_parallel" in out) != parallel:
            self.fail(f"{label}: parallel expected {parallel}")
        if "cpu=avx2" in pipeline and "x86.avx512" in out:
            self.fail(f"{label}: avx512 code under cpu=avx2")
        return quantc.compile_cpu(ir, pipeline, shared_libs=[self.gomp])

    def report(self):
        print("ALL PASSED" if self.failures == 0
              else f"{self.failures} FAILED", f"({self.checks} checks)")
