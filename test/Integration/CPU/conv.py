# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""Convolutions through --quantc-cpu-pipeline (issues 17, 19), which runs
--quantc-conv-to-gemm: float convolutions on the FMA kernels, QDQ int8
convolutions on the VNNI kernels, weight-only (float activation x int8
filter) on the weight-only kernels, against independent NumPy references
(direct convolutions: a sum over the window of shifted-slice products, no
im2col). Forms: conv_2d_nhwc_hwcf, conv_2d_nhwc_fhwc, conv_2d_nchw_fchw,
conv_1d_nwc_wcf; odd sizes and channel counts, strides 2, dilation 2, a 1x1
convolution (no gather), padding as frontends emit it (a zero tensor.pad
before the convolution; for QDQ, of the dequantized tensor), per-tensor and
per-batch activation scales, an activation zero point.

Float: |y - y64| <= 1e-5 * (sum over the window and channels of |x| |w|)
per output element, y64 the float64 convolution of the same f32 values (the
f32 GEMM bound of float-gemm.py; the reduction here is K = KH*KW*C <= 4096).

int8: bit-exact. The reference is NumPy's int64 convolution of the integer
data (minus the zero point; padding is zero after that subtraction), checked
to fit int32, then quantc.reference.rescale: (f32(acc) * x_scale) * w_scale,
the epilogue's arithmetic.

Each compilation is also checked for where the convolution ran: the float
ones in __quantc_x86_sgemm (weight-only: __quantc_x86_w*) with no "reference
lowering" remark, the int8 ones on vpdpbusd with no "stays a float GEMM"
remark.

Two threads (OMP_NUM_THREADS=2): one image large enough that its gather runs
on the thread team, a row of output pixels per iteration, reading the rows
`oh * stride + kh` of the padded input (the compiled IR is checked for the
team call), float and int8, padded and strided."""
import os
import re

os.environ["OMP_NUM_THREADS"] = "2"

import numpy as np

import quantc
from convref import OPS, attrs, conv_ref, depthwise_ref, pad_spatial
from qtest import libgomp
from quantc import reference as ref
from quantc.builders import dense, tensor_type as tt

rng = np.random.default_rng(1917)
GOMP = libgomp()
flags = open("/proc/cpuinfo").read().split()
PIPELINE = ("quantc-cpu-pipeline{cpu=vnni}" if "avx512_vnni" in flags
            else "quantc-cpu-pipeline{cpu=vnni-emulated}")
failures = 0

def shapes(op, n, c, f, size, window, strides, dilations, pads):
    """Input, filter and result shapes in the op's layouts."""
    lin, lw, lout = OPS[op]
    spatial = "hw" if "h" in lin else "w"
    padded = [s + 2 * p for s, p in zip(size, pads)]
    out = [(padded[i] - dilations[i] * (window[i] - 1) - 1) // strides[i] + 1
           for i in range(len(spatial))]
    dims = {"n": n, "c": c, "f": f}
    xin = [dims.get(ch) or size[spatial.index(ch)] for ch in lin]
    xpad = [dims.get(ch) or padded[spatial.index(ch)] for ch in lin]
    wsh = [dims.get(ch) or window["HW".index(ch) if len(spatial) == 2 else 0]
           for ch in lw]
    ysh = [dims.get(ch) or out[spatial.index(ch)] for ch in lout]
    return xin, xpad, wsh, ysh


def pad_ir(src, src_ty, dst_ty, op, pads, rank):
    lin = OPS[op][0]
    spatial = "hw" if "h" in lin else "w"
    lo = [0] * rank
    for i, ch in enumerate(spatial):
        lo[lin.index(ch)] = pads[i]
    idx = ", ".join(f"%i{i}: index" for i in range(rank))
    return (f"  %xp = tensor.pad {src} low{lo} high{lo} {{\n"
            f"  ^bb0({idx}):\n    tensor.yield %zero : f32\n"
            f"  }} : {src_ty} to {dst_ty}\n")


TEAM = "one image on the team"


def compile_checked(ir, label, must_have, must_not):
    global failures
    out, diags = quantc.run_pipeline(ir, PIPELINE, return_diagnostics=True)
    if must_have not in out or must_not in diags:
        failures += 1
        print(f"FAIL {label}: ran elsewhere: {diags}")
    if TEAM in label and "__quantc_x86_rows_team" not in out:
        failures += 1
        print(f"FAIL {label}: the gather is not on the team: {diags}")
    return quantc.compile_cpu(ir, PIPELINE, shared_libs=[GOMP])


def float_case(label, op, n, c, f, size, window, strides=None, dilations=None,
               pads=None):
    global failures
    r = len(size)
    strides = strides or [1] * r
    dilations = dilations or [1] * r
    pads = pads or [0] * r
    xin, xpad, wsh, ysh = shapes(op, n, c, f, size, window, strides, dilations, pads)
    x = rng.uniform(-1, 1, xin).astype(np.float32)
    w = rng.uniform(-1, 1, wsh).astype(np.float32)
    x_ty, xp_ty, w_ty, y_ty = tt(xin, "f32"), tt(xpad, "f32"), tt(wsh, "f32"), tt(ysh, "f32")
    padded = any(pads)
    ir = (f"func.func @f(%x: {x_ty}) -> {y_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n"
          + (pad_ir("%x", x_ty, xp_ty, op, pads, len(xin)) if padded else "")
          + f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.{op} {attrs(strides, dilations)}\n"
          f"         ins({'%xp' if padded else '%x'}, %w : {xp_ty}, {w_ty}) "
          f"outs(%init : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    fn = compile_checked(ir, label, "__quantc_x86_sgemm", "reference lowering").f
    got = np.asarray(fn(x), np.float64)
    x64 = pad_spatial(x.astype(np.float64), OPS[op][0], pads)
    want = conv_ref(x64, w.astype(np.float64), op, strides, dilations)
    bound = conv_ref(np.abs(x64), np.abs(w.astype(np.float64)), op, strides, dilations)
    ok = got.shape == want.shape and bool(
        np.all(np.abs(got - want) <= 1e-5 * bound + 1e-30))
    print(("ok  " if ok else "FAIL"), "float", label)
    failures += not ok


def int8_case(label, op, n, c, f, size, window, strides=None, dilations=None,
              pads=None, per_batch=False, zero_point=None):
    global failures
    r = len(size)
    strides = strides or [1] * r
    dilations = dilations or [1] * r
    pads = pads or [0] * r
    lin, lw, _ = OPS[op]
    xin, xpad, wsh, ysh = shapes(op, n, c, f, size, window, strides, dilations, pads)
    x = rng.integers(-128, 128, xin).astype(np.int8)
    x.flat[0] = -128
    w = rng.integers(-127, 128, wsh).astype(np.int8)
    xs_shape = [n if (ch == "n" and per_batch) else 1 for ch in lin]
    ws_shape = [f if ch == "f" else 1 for ch in lw]
    xs = rng.uniform(0.01, 0.05, xs_shape).astype(np.float32)
    ws = rng.uniform(0.001, 0.01, ws_shape).astype(np.float32)
    x_ty, xs_ty = tt(xin, "i8"), tt(xs_shape, "f32")
    xf_ty, xp_ty = tt(xin, "f32"), tt(xpad, "f32")
    w_ty, ws_ty, wf_ty, y_ty = tt(wsh, "i8"), tt(ws_shape, "f32"), tt(wsh, "f32"), tt(ysh, "f32")
    padded = any(pads)
    zp_ir, zp_use = "", ""
    if zero_point is not None:
        zp_ty = tt([1] * len(xin), "i8")
        zp_ir = f"  %zp = arith.constant dense<{zero_point}> : {zp_ty}\n"
        zp_use = " zero_point %zp"
        xs_ty_full = f"{xs_ty}, {zp_ty}"
    else:
        xs_ty_full = xs_ty
    ir = (f"func.func @f(%x: {x_ty}, %xs: {xs_ty}) -> {y_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n"
          f"  %ws = arith.constant {dense(ws)}\n" + zp_ir
          + f"  %xd = quantc.dequantize %x, %xs{zp_use} : {x_ty}, {xs_ty_full} -> {xf_ty}\n"
          f"  %wd = quantc.dequantize %w, %ws : {w_ty}, {ws_ty} -> {wf_ty}\n"
          + (pad_ir("%xd", xf_ty, xp_ty, op, pads, len(xin)) if padded else "")
          + f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.{op} {attrs(strides, dilations)}\n"
          f"         ins({'%xp' if padded else '%xd'}, %wd : {xp_ty}, {wf_ty}) "
          f"outs(%init : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    fn = compile_checked(ir, label, "vpdpbusd", "stays a float GEMM").f
    got = fn(x, xs)
    x64 = x.astype(np.int64) - (zero_point or 0)
    acc = conv_ref(pad_spatial(x64, OPS[op][0], pads), w.astype(np.int64), op, strides, dilations)
    assert np.abs(acc).max() < 2**31
    # The scales in the result's layout: per batch along n, per channel
    # along f.
    lout = OPS[op][2]
    xs_out = xs.reshape([n if (ch == "n" and per_batch) else 1 for ch in lout])
    ws_out = ws.reshape([f if ch == "f" else 1 for ch in lout])
    want = ref.rescale(acc.astype(np.int32), xs_out, ws_out)
    ok = got.shape == want.shape and np.array_equal(got, want)
    print(("ok  " if ok else "FAIL"), "int8", label)
    failures += not ok


def weight_only_case(label, op, n, c, f, size, window, strides=None):
    """Float activation x int8 filter (W8A16): the filter is collapsed in
    int8 and widened by the weight-only kernel; float64 reference of x and
    the dequantized filter, the float bound."""
    global failures
    r = len(size)
    strides = strides or [1] * r
    dilations, pads = [1] * r, [0] * r
    lin, lw, _ = OPS[op]
    xin, _, wsh, ysh = shapes(op, n, c, f, size, window, strides, dilations, pads)
    x = rng.uniform(-1, 1, xin).astype(np.float32)
    w = rng.integers(-127, 128, wsh).astype(np.int8)
    ws_shape = [f if ch == "f" else 1 for ch in lw]
    ws = rng.uniform(0.001, 0.01, ws_shape).astype(np.float32)
    x_ty, w_ty, ws_ty = tt(xin, "f32"), tt(wsh, "i8"), tt(ws_shape, "f32")
    wf_ty, y_ty = tt(wsh, "f32"), tt(ysh, "f32")
    ir = (f"func.func @f(%x: {x_ty}) -> {y_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n  %ws = arith.constant {dense(ws)}\n"
          f"  %wd = quantc.dequantize %w, %ws : {w_ty}, {ws_ty} -> {wf_ty}\n"
          f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.{op} {attrs(strides, dilations)}\n"
          f"         ins(%x, %wd : {x_ty}, {wf_ty}) outs(%init : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    fn = compile_checked(ir, label, "__quantc_x86_w", "reference lowering").f
    got = np.asarray(fn(x), np.float64)
    wd = ref.dequantize(w, ws).astype(np.float64)
    x64 = x.astype(np.float64)
    want = conv_ref(x64, wd, op, strides, dilations)
    bound = conv_ref(np.abs(x64), np.abs(wd), op, strides, dilations)
    ok = got.shape == want.shape and bool(
        np.all(np.abs(got - want) <= 1e-5 * bound + 1e-30))
    print(("ok  " if ok else "FAIL"), "weight-only", label)
    failures += not ok


# Float on the FMA kernels.
float_case("hwcf 3x3 padded", "conv_2d_nhwc_hwcf", 2, 3, 5, [9, 7], [3, 3], pads=[1, 1])
float_case("hwcf stride 2 dilation 2", "conv_2d_nhwc_hwcf", 1, 5, 7, [11, 10], [3, 2],
           strides=[2, 2], dilations=[2, 2])
float_case("hwcf 1x1", "conv_2d_nhwc_hwcf", 2, 13, 17, [5, 3], [1, 1])
float_case("fhwc 3x3 stride 2", "conv_2d_nhwc_fhwc", 1, 6, 9, [8, 9], [3, 3], strides=[2, 2])
float_case("nchw 3x3 stride 2 padded", "conv_2d_nchw_fchw", 2, 3, 4, [7, 8], [3, 3],
           strides=[2, 2], pads=[1, 1])
float_case("nwc dilation 2", "conv_1d_nwc_wcf", 1, 7, 6, [15], [3], dilations=[2])
float_case("hwcf K=4096", "conv_2d_nhwc_hwcf", 1, 256, 8, [6, 6], [4, 4])
float_case(f"hwcf 3x3 padded, {TEAM}", "conv_2d_nhwc_hwcf", 1, 32, 24, [40, 36], [3, 3],
           pads=[1, 1])

# int8 on the VNNI kernels, bit-exact.
int8_case("hwcf 3x3 padded", "conv_2d_nhwc_hwcf", 2, 5, 7, [9, 7], [3, 3], pads=[1, 1])
int8_case("hwcf stride 2 dilation 2 per-batch", "conv_2d_nhwc_hwcf", 2, 5, 7, [11, 10],
          [3, 2], strides=[2, 2], dilations=[2, 2], per_batch=True)
int8_case("hwcf 1x1", "conv_2d_nhwc_hwcf", 2, 13, 17, [5, 3], [1, 1])
int8_case("fhwc 3x3 stride 2", "conv_2d_nhwc_fhwc", 1, 6, 9, [8, 9], [3, 3], strides=[2, 2])
int8_case("nchw 3x3 stride 2 padded", "conv_2d_nchw_fchw", 2, 3, 4, [7, 8], [3, 3],
          strides=[2, 2], pads=[1, 1])
int8_case("nwc dilation 2", "conv_1d_nwc_wcf", 1, 7, 6, [15], [3], dilations=[2])
int8_case("hwcf padded zero point", "conv_2d_nhwc_hwcf", 1, 4, 8, [6, 5], [3, 3],
          pads=[1, 1], zero_point=-5)
int8_case(f"hwcf 3x3 padded, {TEAM}", "conv_2d_nhwc_hwcf", 1, 32, 24, [40, 36], [3, 3],
          pads=[1, 1])
int8_case(f"fhwc 3x3 stride 2, {TEAM}", "conv_2d_nhwc_fhwc", 1, 48, 20, [41, 39], [3, 3],
          strides=[2, 2])

# Weight-only (float activation, int8 filter).
weight_only_case("hwcf 3x3", "conv_2d_nhwc_hwcf", 1, 16, 32, [7, 6], [3, 3])
weight_only_case("fhwc 3x3 stride 2", "conv_2d_nhwc_fhwc", 2, 8, 16, [9, 9], [3, 3], strides=[2, 2])


def depthwise_case(label, n, c, size, window, strides=(1, 1), dilations=(1, 1),
                   accumulate=False):
    """A float depthwise convolution: one vectorized elementwise generic over
    the strided windows (no GEMM), against NumPy float64 shifted slices."""
    global failures
    oh = (size[0] - dilations[0] * (window[0] - 1) - 1) // strides[0] + 1
    ow = (size[1] - dilations[1] * (window[1] - 1) - 1) // strides[1] + 1
    x = rng.uniform(-1, 1, (n, size[0], size[1], c)).astype(np.float32)
    w = rng.uniform(-1, 1, (window[0], window[1], c)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, oh, ow, c)).astype(np.float32)
    x_ty, w_ty, y_ty = tt(x.shape, "f32"), tt(w.shape, "f32"), tt((n, oh, ow, c), "f32")
    init = ("%b" if accumulate else "%init")
    ir = (f"func.func @f(%x: {x_ty}, %b: {y_ty}) -> {y_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n"
          f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.depthwise_conv_2d_nhwc_hwc {attrs(list(strides), list(dilations))}\n"
          f"         ins(%x, %w : {x_ty}, {w_ty}) outs({init} : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    out, diags = quantc.run_pipeline(ir, PIPELINE, return_diagnostics=True)
    # Rewritten (no convolution left) and run on vectors (the sum of the
    # window products as vector multiplies).
    if "stays a convolution" in diags or "depthwise" in out or \
            not re.search(r"llvm\.fmul .*: vector<\d+xf32>", out):
        failures += 1
        print(f"FAIL depthwise {label}: not rewritten/vectorized: {diags}")
    fn = quantc.compile_cpu(ir, PIPELINE, shared_libs=[GOMP]).f
    got = np.asarray(fn(x, b), np.float64)
    want, bound = depthwise_ref(x.astype(np.float64), w.astype(np.float64), strides,
                                dilations, init=b if accumulate else None)
    ok = got.shape == want.shape and bool(np.all(np.abs(got - want) <= 1e-5 * bound + 1e-30))
    print(("ok  " if ok else "FAIL"), "depthwise", label)
    failures += not ok


# Float depthwise: a vectorized elementwise generic over the windows.
depthwise_case("3x3 c=32", 2, 32, [9, 8], [3, 3])
depthwise_case("3x3 stride 2 dilation 2 c=19", 1, 19, [11, 12], [3, 3], strides=(2, 2),
               dilations=(2, 2))
depthwise_case("5x5 c=3 accumulate", 1, 3, [7, 9], [5, 5], accumulate=True)

print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
