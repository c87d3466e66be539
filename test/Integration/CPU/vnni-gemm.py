# RUN: %python %s
"""int8 GEMMs through --quantc-cpu-pipeline's VNNI lowering, bit-exact
against the NumPy reference: odd shapes (M, N, K not multiples of the 6 x 64
tile, K % 4 != 0, tiny, larger), -128 inputs, and fused epilogues (per-row /
per-column / per-element scales and bias, ReLU, GELU, saturating
requantization).

The kernels run with vpdpbusd emulated (cpu=vnni-emulated: same packing,
tiling, tails, +128 compensation and epilogue) on every host, with the
real instruction (cpu=vnni) where the host has AVX-512 VNNI, and as AVX2
kernels (cpu=avx2: i16 packing, vpmaddwd) where the host has AVX2. Each
also runs with a small L2 budget (vnni-panel-block-kib), so that several
blocks of weight panels, a block holding the tail panel and re-packed
activation tiles are exercised."""
import numpy as np

import qtest
from quantc import reference as ref

rng = np.random.default_rng(6)


def i8(shape):
    return rng.integers(-128, 128, shape).astype(np.int8)


def f32(shape, lo, hi):
    return rng.uniform(lo, hi, shape).astype(np.float32)


body, checks = [], []


def gemm(name, m, n, k):
    x, w = i8((m, k)), i8((n, k))
    x[0, :] = -128  # the +128 shift must not overflow or lose the sign
    w[0, :] = -128
    if m > 2:
        x[2, :] = 127
    body.append(qtest.const(f"{name}_x", x) + qtest.const(f"{name}_w", w))
    body.append(f"%{name}_acc = quantc.matmul %{name}_x, %{name}_w : "
                f"{qtest.mlir_type(x)}, {qtest.mlir_type(w)} -> "
                f"tensor<{m}x{n}xi32>\n")
    return x, w


def plain(name, m, n, k):
    x, w = gemm(name, m, n, k)
    ty = f"tensor<{m}x{n}xi32>"
    body.append(qtest.print_tensor(f"%{name}_acc", ty, f"p_{name}"))
    checks.append((name, lambda got: got.astype(np.int64),
                   ref.int_matmul(x, w)))


def rescaled(name, m, n, k, xs, ws, bias=None, act="none", os_=None,
             qmin=None, qmax=None, exact=True):
    x, w = gemm(name, m, n, k)
    ops = {"xs": xs, "ws": ws, "bias": bias, "os": os_}
    for key, v in ops.items():
        if v is not None:
            body.append(qtest.const(f"{name}_{key}", v))
    acc_ty = f"tensor<{m}x{n}xi32>"
    out_ty = f"tensor<{m}x{n}x{'i8' if os_ is not None else 'f32'}>"
    operands = f"%{name}_acc, %{name}_xs, %{name}_ws"
    types = [acc_ty, qtest.mlir_type(xs), qtest.mlir_type(ws)]
    if bias is not None:
        operands += f" bias %{name}_bias"
        types.append(qtest.mlir_type(bias))
    if os_ is not None:
        operands += f" output_scale %{name}_os"
        types.append(qtest.mlir_type(os_))
    attrs = [f"activation = #quantc.activation<{act}>"]
    if qmin is not None:
        attrs += [f"qmin = {qmin} : i64", f"qmax = {qmax} : i64"]
    body.append(f"%{name}_y = quantc.rescale {operands} {{{', '.join(attrs)}}}"
                f" : ({', '.join(types)}) -> {out_ty}\n")
    body.append(qtest.print_tensor(f"%{name}_y", out_ty, f"p_{name}", exact=True))
    kw = {} if qmin is None else {"qmin": qmin, "qmax": qmax}
    want = ref.rescale(ref.int_matmul(x, w), xs, ws, bias, act, os_, **kw)
    if os_ is None:
        checks.append((name, qtest.as_f32, want))
    else:
        checks.append((name, lambda got: got.astype(np.int64), want))


# Plain int32 results.
plain("tiny", 1, 1, 1)
plain("ktail2", 7, 20, 10)
plain("odd", 13, 70, 37)
plain("exact", 6, 64, 64)
plain("large", 50, 300, 515)
# A K whose packed tile (6 rows, over 128 KiB) is allocated on the heap.
plain("bigk", 7, 20, 22000)
# Epilogues.
m, n, k = 13, 70, 37
rescaled("relu", m, n, k, f32((m, 1), 0.001, 0.01), f32((1, n), 0.001, 0.01),
         bias=f32((1, n), -2, 2), act="relu")
rescaled("sat", m, n, k, f32((1, 1), 0.01, 0.02), f32((1, n), 0.01, 0.02),
         os_=np.array([[0.05]], np.float32), qmin=-128, qmax=127)
rescaled("elem", m, n, k, f32((m, 1), 0.001, 0.01), f32((1, 1), 0.01, 0.02),
         bias=f32((1, n), -50, 50), os_=f32((m, n), 0.5, 2.0))
gelu_name = "gelu"
rescaled(gelu_name, m, n, k, f32((m, 1), 0.0001, 0.001),
         f32((1, n), 0.0001, 0.001), act="gelu")

mlir = ("func.func @main() {\n" + "".join(body) + "return\n}\n" +
        qtest.PRINT_DECLS)


def check(pipeline, tag):
    got = qtest.compile_and_run(mlir, pipeline=(pipeline,))
    assert len(got) == len(checks), (len(got), len(checks))
    for (name, conv, want), g in zip(checks, got):
        if name == gelu_name:
            # NumPy's erf is not libm's erff: close here, bit-exact against
            # the reference lowering below.
            qtest.expect_close(f"{tag} {name}", conv(g), want, rtol=1e-5,
                               atol=1e-6)
        else:
            qtest.expect_equal(f"{tag} {name}", conv(g), want)
    return got


generic = qtest.compile_and_run(mlir, pipeline=("--quantc-cpu-pipeline=cpu=generic",))

flags = open("/proc/cpuinfo").read().split()
cpus = ["vnni-emulated"]
if "avx512_vnni" in flags and "avx512bw" in flags:
    cpus.append("vnni")
else:
    print("host has no AVX-512 VNNI: cpu=vnni not executed here")
if "avx2" in flags:
    cpus.append("avx2")
else:
    print("host has no AVX2: cpu=avx2 not executed here")
for cpu in cpus:
    # 8 KiB: one 64-column panel of K = 37 (10 groups x 256 B = 2.5 KiB) is
    # a third of it; K = 515 panels (33 KiB) go one per block.
    for extra in ("", " vnni-panel-block-kib=8"):
        got = check(f"--quantc-cpu-pipeline=cpu={cpu}{extra}", cpu + extra)
        qtest.expect_equal(f"{cpu}{extra} gelu vs reference lowering",
                           got[-1], generic[-1])
