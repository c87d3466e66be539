# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Every contraction form of Transforms/quantc-fuse-forms.mlir (batch_matmul
with a transposed-B map, transpose + batch_matmul, an einsum generic with two
batch dimensions, a 3-D linear generic, linalg.contract, a broadcast weight,
transposed A, a transpose on the integer side, matvec, vecmat, dot, zero
points on either operand), compiled by
--quantc-cpu-pipeline (which fuses them into quantc.matmul), bit-exact
against NumPy: the int64 einsum of the integer operands, then
(f32(acc) * x_scale) * w_scale in the result's layout
(quantc.reference.rescale). Also the marked forms that stay float (a
transposed result, a reshape between dequantize and GEMM) against float64
NumPy."""
import os
import re

import numpy as np

import quantc
from quantc import reference as ref

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = open(os.path.join(HERE, "..", "..", "Transforms", "quantc-fuse-forms.mlir")).read()
rng = np.random.default_rng(17)

# name -> (einsum of the integer operands, x-scale axes, w-scale axes): the
# scale's subscripts after dropping its unit dimensions, in its own order.
FORMS = {
    "qk_transposed_map": ("bmk,bnk->bmn", "bm", "bn"),
    "qk_transpose_op": ("bmk,bnk->bmn", "bm", "bn"),
    "einsum_generic": ("bhqd,bhkd->bhqk", "bhq", "h"),
    "linear_3d_generic": ("bsc,dc->bsd", "bs", "d"),
    "contract": ("mk,kn->mn", "m", "n"),
    "batch_broadcast_weight": ("bmk,kn->bmn", "", "n"),
    "transposed_a": ("km,nk->mn", "m", "n"),
    "transpose_int_side": ("mk,kn->mn", "m", "n"),
    "matvec": ("mk,k->m", "m", ""),
    "vecmat": ("k,kn->n", "", "n"),
    "dot": ("k,k->", "", ""),
    # With zero points: (q - z) of each operand that has one.
    "zp_both": ("mk,nk->mn", "m", "n"),
    "zp_act": ("bmk,kn->bmn", "", "n"),
}
# name -> argument positions of (x, x_scale, x_zero_point, w, w_scale,
# w_zero_point); None: no zero point.
ZP_ARGS = {"zp_both": (0, 1, 2, 3, 4, 5), "zp_act": (0, 1, 2, 3, 4, None)}


def arg_shapes(func_text):
    sig = re.search(r"func.func @\w+\((.*?)\) ->", func_text, re.S).group(1)
    out = []
    for ty in re.findall(r"tensor<([0-9x]*)x?(i8|i32|f32)>", sig):
        dims, elem = ty
        shape = [int(d) for d in dims.split("x") if d] if dims else []
        out.append((shape, elem))
    return out


def scale_in_result(scale, sub_in, sub_out):
    """The scale (with its unit dims) as a tensor broadcastable to the result
    subscripts `sub_out`."""
    s = scale.reshape([d for d in scale.shape if d != 1]) if scale.size > 1 else scale.reshape(())
    if s.ndim == 0:
        return s.reshape([1] * len(sub_out))
    letters = [c for c in sub_out if c in sub_in]
    t = np.einsum(sub_in + "->" + "".join(letters), s)
    return t.reshape([t.shape[letters.index(c)] if c in letters else 1 for c in sub_out])


failures = 0
for chunk in SRC.split("// -----"):
    m = re.search(r"^func.func @(\w+)", chunk, re.M)
    if not m:
        continue
    name = m.group(1)
    func = chunk[m.start():]
    args = []
    for shape, elem in arg_shapes(func):
        if elem == "i8":
            a = rng.integers(-128, 128, shape).astype(np.int8)
            a.flat[0] = -128
        elif elem == "i32":  # a zero point
            a = rng.integers(-128, 128, shape).astype(np.int32)
        else:
            a = rng.uniform(0.01, 0.1, shape).astype(np.float32)
        args.append(a)
    f = quantc.compile_cpu(func).__getattr__(name)
    got = f(*args)
    if name in FORMS:
        spec, xsub, wsub = FORMS[name]
        if name in ZP_ARGS:
            ix, ixs, ixz, iw, iws, iwz = ZP_ARGS[name]
            x, xs, w, ws = args[ix], args[ixs], args[iw], args[iws]
            x64 = x.astype(np.int64) - args[ixz].astype(np.int64)
            w64 = w.astype(np.int64) - (args[iwz].astype(np.int64) if iwz is not None else 0)
        else:
            x, xs, w, ws = args
            x64, w64 = x.astype(np.int64), w.astype(np.int64)
        acc = np.einsum(spec, x64, w64).astype(np.int32)
        out = spec.split("->")[1]
        want = ref.rescale(acc, scale_in_result(xs, xsub, out), scale_in_result(ws, wsub, out))
        ok = np.array_equal(got, want)
    else:
        # Float forms: dequantize in float64 and contract like the IR does.
        fd = {"garbage_accumulator": None, "result_transposed":
              lambda x, xs, w, ws: ((x * xs) @ (w * ws).T).T,
              "reshape_between": lambda x, xs, w, ws: (x * xs) @ (w.reshape(6, 8) * ws).T}[name]
        if fd is None:  # uninitialized outs: nothing defined to compare
            continue
        want = fd(*[a.astype(np.float64) for a in args])
        ok = np.allclose(got, want, rtol=1e-5, atol=1e-6)
    print(("ok  " if ok else "FAIL"), name)
    failures += not ok
print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
