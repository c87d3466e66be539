# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""quantc.matmul's operand layouts (transpose_lhs: [..., C, N];
transpose_rhs: [..., C, D]) and a rank-2 rhs broadcast over the batch,
compiled by --quantc-cpu-pipeline (every cpu= code generator) and by
--quantc-split-k with small chunks (the slices follow the reduction
dimension of each layout), bit-exact against NumPy's int64 product, with a
requantizing epilogue (quantc.reference.rescale)."""
import itertools

import numpy as np

import quantc
from quantc import reference as ref

rng = np.random.default_rng(1717)


def ty(shape, elem):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def case(batch, m, n, k, tl, tr, bcast):
    """(IR, lhs shape, rhs shape) of one GEMM with an i8 requantizing
    epilogue (per-row and per-column scales)."""
    pre = [batch] if batch else []
    lhs = pre + ([k, m] if tl else [m, k])
    rhs = ([] if bcast else pre) + ([k, n] if tr else [n, k])
    out = pre + [m, n]
    attrs = [a for a, on in (("transpose_lhs", tl), ("transpose_rhs", tr)) if on]
    attr = " {" + ", ".join(attrs) + "}" if attrs else ""
    xs = pre + [m, 1]
    ws = [1] * len(pre) + [1, n]
    one = [1] * len(out)
    ir = f"""
func.func @main(%x: {ty(lhs, 'i8')}, %w: {ty(rhs, 'i8')}, %xs: {ty(xs, 'f32')}, %ws: {ty(ws, 'f32')}) -> ({ty(out, 'i32')}, {ty(out, 'i8')}) {{
  %os = arith.constant dense<3.0> : {ty(one, 'f32')}
  %acc = quantc.matmul %x, %w{attr} : {ty(lhs, 'i8')}, {ty(rhs, 'i8')} -> {ty(out, 'i32')}
  %y = quantc.rescale %acc, %xs, %ws output_scale %os {{qmin = -128 : i64, qmax = 127 : i64}} : ({ty(out, 'i32')}, {ty(xs, 'f32')}, {ty(ws, 'f32')}, {ty(one, 'f32')}) -> {ty(out, 'i8')}
  return %acc, %y : {ty(out, 'i32')}, {ty(out, 'i8')}
}}"""
    return ir, lhs, rhs, xs, ws


def reference(x, w, xs, ws, tl, tr):
    x64 = x.astype(np.int64)
    w64 = w.astype(np.int64)
    if tl:
        x64 = np.swapaxes(x64, -1, -2)
    if not tr:
        w64 = np.swapaxes(w64, -1, -2)
    acc = x64 @ w64
    assert np.abs(acc).max() < 2**31
    acc = acc.astype(np.int32)
    return acc, ref.rescale(acc, xs, ws, output_scale=np.full([1] * acc.ndim, 3.0, np.float32), qmin=-128, qmax=127)


failures = 0
SHAPES = [(0, 7, 20, 13), (3, 5, 33, 70), (1, 1, 16, 4), (33, 2, 3, 9)]
pipelines = ["quantc-cpu-pipeline{cpu=generic}", "quantc-cpu-pipeline{cpu=vnni-emulated}",
             "quantc-cpu-pipeline{cpu=host}",
             "quantc-split-k{max-chunk=8},quantc-cpu-pipeline{cpu=host}"]
for (batch, m, n, k), tl, tr, bcast in itertools.product(SHAPES, (False, True), (False, True),
                                                          (False, True)):
    if bcast and not batch:
        continue
    ir, lhs, rhs, xs_shape, ws_shape = case(batch, m, n, k, tl, tr, bcast)
    x = rng.integers(-128, 128, lhs).astype(np.int8)
    w = rng.integers(-128, 128, rhs).astype(np.int8)
    x.flat[0] = -128
    w.flat[-1] = -128
    xs = rng.uniform(0.5, 2.0, xs_shape).astype(np.float32)
    ws = rng.uniform(0.001, 0.01, ws_shape).astype(np.float32)
    want_acc, want_y = reference(x, w, xs, ws, tl, tr)
    for pipeline in pipelines:
        f = quantc.compile_cpu(ir, pipeline=f"builtin.module({pipeline})").main
        acc, y = f(x, w, xs, ws)
        label = f"{(batch, m, n, k)} tl={tl} tr={tr} bcast={bcast} {pipeline}"
        if not np.array_equal(acc, want_acc):
            failures += 1
            print("FAIL acc", label)
        if not np.array_equal(y, want_y):
            failures += 1
            print("FAIL y", label)
print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
