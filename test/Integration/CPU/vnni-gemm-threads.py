# REQUIRES: libgomp
# RUN: %python %s
"""Parallel VNNI GEMMs (GOMP_parallel over weight panels, 3 threads): the
panel split (uneven shares, a narrow tail panel, more threads than panels)
must not change a bit of the result. Nor must the row split of a GEMM whose
packed weight is one L2 block (blocks of rows on the thread team, the
per-row scales sliced with them, a tail of rows on the calling thread: M =
1000 is 15 blocks of 64 rows and 40)."""
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


def epilogue(t, m, n, k):
    """A fused, requantizing epilogue on tensors named %<t>..."""
    x = rng.integers(-128, 128, (m, k)).astype(np.int8)
    w = rng.integers(-128, 128, (n, k)).astype(np.int8)
    xs = rng.uniform(0.01, 0.02, (m, 1)).astype(np.float32)
    ws = rng.uniform(0.01, 0.02, (1, n)).astype(np.float32)
    os_ = np.array([[0.03]], np.float32)
    for name, v in (("x", x), ("w", w), ("xs", xs), ("ws", ws), ("os", os_)):
        body.append(qtest.const(t + name, v))
    ty = f"tensor<{m}x{n}x"
    body.append(f"%{t}acc = quantc.matmul %{t}x, %{t}w : {qtest.mlir_type(x)}, "
                f"{qtest.mlir_type(w)} -> {ty}i32>\n")
    body.append(f"%{t}y = quantc.rescale %{t}acc, %{t}xs, %{t}ws output_scale "
                f"%{t}os {{activation = #quantc.activation<relu>, qmin = -128 "
                f": i64, qmax = 127 : i64}} : ({ty}i32>, {qtest.mlir_type(xs)}, "
                f"{qtest.mlir_type(ws)}, {qtest.mlir_type(os_)}) -> {ty}i8>\n")
    body.append(qtest.print_tensor(f"%{t}y", f"{ty}i8>", f"p{t}"))
    want.append(ref.rescale(ref.int_matmul(x, w), xs, ws, None, "relu", os_,
                            qmin=-128, qmax=127))


# On a split panel range (7 x 200 x 13), and on blocks of rows (1000 rows
# of a 40 x 13 weight).
epilogue("f", 7, 200, 13)
epilogue("g", 1000, 40, 13)
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
    # The 1000-row GEMM's blocks are a row loop on the team.
    assert "__quantc_x86_rows" in mlir_opt.stdout, p
    got = qtest.compile_and_run(mlir, pipeline=(opt,))
    for i, (g, w_) in enumerate(zip(got, want)):
        qtest.expect_equal(f"{p} threads=3 case {i}", g.astype(np.int64), w_)
