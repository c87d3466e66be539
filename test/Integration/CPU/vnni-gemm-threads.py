# REQUIRES: libgomp
# RUN: %python %s
"""Parallel VNNI GEMMs (GOMP_parallel over weight panels, 3 threads): the
panel split (uneven shares, a narrow tail panel, more threads than panels)
must not change a bit of the result."""
import os

import numpy as np

import qtest
from quantc import reference as ref

os.environ["OMP_NUM_THREADS"] = "3"
rng = np.random.default_rng(7)
body, want = [], []
# (M, N, K): 4 panels of 64 + a tail of 8 columns; 1 panel for 3 threads.
for i, (m, n, k) in enumerate([(9, 264, 21), (5, 40, 8)]):
    x = rng.integers(-128, 128, (m, k)).astype(np.int8)
    w = rng.integers(-128, 128, (n, k)).astype(np.int8)
    x[0, :] = -128
    body.append(qtest.const(f"x{i}", x) + qtest.const(f"w{i}", w))
    ty = f"tensor<{m}x{n}xi32>"
    body.append(f"%r{i} = quantc.matmul %x{i}, %w{i} : {qtest.mlir_type(x)}, "
                f"{qtest.mlir_type(w)} -> {ty}\n")
    body.append(qtest.print_tensor(f"%r{i}", ty, f"p{i}"))
    want.append(ref.int_matmul(x, w))
# A fused, requantizing epilogue on a split panel range.
m, n, k = 7, 200, 13
x = rng.integers(-128, 128, (m, k)).astype(np.int8)
w = rng.integers(-128, 128, (n, k)).astype(np.int8)
xs = rng.uniform(0.01, 0.02, (m, 1)).astype(np.float32)
ws = rng.uniform(0.01, 0.02, (1, n)).astype(np.float32)
os_ = np.array([[0.03]], np.float32)
for name, v in (("fx", x), ("fw", w), ("fxs", xs), ("fws", ws), ("fos", os_)):
    body.append(qtest.const(name, v))
ty = f"tensor<{m}x{n}x"
body.append(f"%facc = quantc.matmul %fx, %fw : {qtest.mlir_type(x)}, "
            f"{qtest.mlir_type(w)} -> {ty}i32>\n")
body.append(f"%fy = quantc.rescale %facc, %fxs, %fws output_scale %fos "
            f"{{activation = #quantc.activation<relu>, qmin = -128 : i64, "
            f"qmax = 127 : i64}} : ({ty}i32>, {qtest.mlir_type(xs)}, "
            f"{qtest.mlir_type(ws)}, {qtest.mlir_type(os_)}) -> {ty}i8>\n")
body.append(qtest.print_tensor("%fy", f"{ty}i8>", "pf"))
want.append(ref.rescale(ref.int_matmul(x, w), xs, ws, None, "relu", os_,
                        qmin=-128, qmax=127))
mlir = "func.func @main() {\n" + "".join(body) + "return\n}\n" + qtest.PRINT_DECLS

# panel-block-kib=1: one panel per block, several blocks per thread.
pipelines = ["cpu=vnni-emulated", "cpu=vnni-emulated vnni-panel-block-kib=1"]
flags = open("/proc/cpuinfo").read().split()
if "avx512_vnni" in flags and "avx512bw" in flags:
    pipelines.append("cpu=vnni")
if "avx2" in flags:
    pipelines += ["cpu=avx2", "cpu=avx2 vnni-panel-block-kib=1"]
for p in pipelines:
    opt = f"--quantc-cpu-pipeline={p} vnni-parallel-min-macs=0"
    mlir_opt = qtest.subprocess.run(
        [qtest.tool("quantc-opt"), "-", opt], input=mlir, capture_output=True,
        text=True)
    assert "GOMP_parallel" in mlir_opt.stdout, mlir_opt.stderr
    got = qtest.compile_and_run(mlir, pipeline=(opt,))
    for i, (g, w_) in enumerate(zip(got, want)):
        qtest.expect_equal(f"{p} threads=3 case {i}", g.astype(np.int64), w_)
