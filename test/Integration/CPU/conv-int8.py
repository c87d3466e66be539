# REQUIRES: libgomp
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""int8 convolutions with zero points through --quantc-cpu-pipeline (issue
17, CPU part), bit-exact against independent NumPy int64 references
(shifted-slice sums over the window, no im2col):

- QDQ depthwise_conv_2d_nhwc_hwc (quantc.dequantize of i8 activation and
  filter): the direct int8 depthwise kernel (i32 sums of widened products on
  vectors over the channels) and the quantc.rescale epilogue; per-tensor and
  per-batch activation scales, per-channel filter scales, an activation zero
  point (also at -128 and 127) and a per-channel filter zero point, a
  per-channel activation scale (legal: a depthwise channel is no
  reduction), strides,
  dilation, padding as frontends emit it (a zero tensor.pad of the
  dequantized tensor: padded with the zero point on the integer side), odd
  channel counts, a non-zero initial value (added after the scaling);
- depthwise_conv_2d_nhwc_hwc_q and integer depthwise_conv_2d_nhwc_hwc (i8 x
  i8 -> i32): the same kernel, the i32 accumulator returned; zero points as
  constants and as run-time scalars;
- conv_2d_nhwc_hwcf_q, conv_2d_nhwc_fhwc_q, conv_2d_nchw_fchw_q: im2col
  into quantc.matmul with the zero points (the VNNI kernel's compensation),
  the input padded with its zero point (a tensor.pad of the i8 input), so
  the correction terms stay exact.

QDQ reference: acc = sum (x - zx)(w - zw) in int64 (checked to fit int32),
then reference.rescale (f32(acc) * x_scale) * w_scale, the epilogue's
arithmetic; `_q` references: the int64 sum wrapped to int32 (equal, since it
fits).

Each compilation is also checked for where it ran: no "stays a" or
"reference lowering" remark, the depthwise ones with constant zero points on
the direct x86 kernel (pmaddwd), the others on i32 vectors (`llvm.mul ...
vector<16xi32>`), the im2col ones on vpdpbusd."""
import re

import numpy as np

import quantc
from convref import OPS, attrs, conv_ref, depthwise_ref, out_size, pad_spatial, to_layout
from qtest import libgomp
from quantc import reference as ref
from quantc.builders import dense, tensor_type as tt

rng = np.random.default_rng(1717)
GOMP = libgomp()
flags = open("/proc/cpuinfo").read().split()
PIPELINE = ("quantc-cpu-pipeline{cpu=vnni}" if "avx512_vnni" in flags
            else "quantc-cpu-pipeline{cpu=vnni-emulated}")
failures = 0


def compile_checked(ir, label, must_match):
    global failures
    out, diags = quantc.run_pipeline(ir, PIPELINE, return_diagnostics=True)
    bad = [d for d in diags.splitlines() if "stays a" in d or "reference lowering" in d]
    if bad or not re.search(must_match, out):
        failures += 1
        print(f"FAIL {label}: did not run as int8 ({must_match!r}): {diags}")
    return quantc.compile_cpu(ir, PIPELINE, shared_libs=[GOMP]).f


def check(kind, label, got, want):
    global failures
    ok = got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want)
    print(("ok  " if ok else "FAIL"), kind, label)
    if not ok and got.shape == want.shape:
        print("   max |diff|", np.abs(got.astype(np.float64) - want.astype(np.float64)).max())
    failures += not ok


DW_VECTOR = r"llvm\.mul .*: vector<16xi32>"
# The direct x86 depthwise kernel (constant filter and zero points): pmaddwd.
DW_KERNEL = (r"llvm\.x86\.avx512\.pmaddw\.d\.512" if "avx512_vnni" in flags
             else DW_VECTOR)


def qdq_depthwise_case(label, n, c, size, window, strides=(1, 1), dilations=(1, 1),
                       pads=(0, 0), zx=None, w_zp=False, per_batch=False,
                       accumulate=False, extremes=False, act_per_channel=False):
    hp, wp = size[0] + 2 * pads[0], size[1] + 2 * pads[1]
    oh, ow = out_size([hp, wp], window, strides, dilations)
    x = rng.integers(-128, 128, (n, size[0], size[1], c)).astype(np.int8)
    if extremes:
        x.flat[: x.size // 2] = -128
        x.flat[x.size // 2:] = 127
    x.flat[0] = -128
    w = rng.integers(-128, 128, (window[0], window[1], c)).astype(np.int8)
    xs_shape = (n if per_batch else 1, 1, 1, c if act_per_channel else 1)
    xs = rng.uniform(0.01, 0.05, xs_shape).astype(np.float32)
    ws = rng.uniform(0.001, 0.01, (1, 1, c)).astype(np.float32)
    zw = rng.integers(-128, 128, (1, 1, c)).astype(np.int8) if w_zp else None
    b = rng.uniform(-1, 1, (n, oh, ow, c)).astype(np.float32)
    x_ty, xf_ty = tt(x.shape, "i8"), tt(x.shape, "f32")
    xp_ty = tt((n, hp, wp, c), "f32")
    w_ty, wf_ty = tt(w.shape, "i8"), tt(w.shape, "f32")
    xs_ty, ws_ty, y_ty = tt(xs_shape, "f32"), tt(ws.shape, "f32"), tt((n, oh, ow, c), "f32")
    zx_ir = zx_use = zx_ty = ""
    if zx is not None:
        zx_ir = f"  %zx = arith.constant dense<{zx}> : {tt(xs_shape, 'i8')}\n"
        zx_use, zx_ty = " zero_point %zx", f", {tt(xs_shape, 'i8')}"
    zw_ir = zw_use = zw_ty = ""
    if w_zp:
        zw_ir = f"  %zw = arith.constant {dense(zw)}\n"
        zw_use, zw_ty = " zero_point %zw", f", {tt(zw.shape, 'i8')}"
    padded = any(pads)
    pad_ir = ""
    if padded:
        pad_ir = (f"  %xp = tensor.pad %xd low[0, {pads[0]}, {pads[1]}, 0] "
                  f"high[0, {pads[0]}, {pads[1]}, 0] {{\n"
                  f"  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
                  f"    tensor.yield %zero : f32\n  }} : {xf_ty} to {xp_ty}\n")
    init = "%b" if accumulate else "%init"
    ir = (f"func.func @f(%x: {x_ty}, %xs: {tt(xs_shape, 'f32')}, %b: {y_ty}) -> {y_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n"
          f"  %ws = arith.constant {dense(ws)}\n" + zx_ir + zw_ir
          + f"  %xd = quantc.dequantize %x, %xs{zx_use} : {x_ty}, {xs_ty}{zx_ty} -> {xf_ty}\n"
          f"  %wd = quantc.dequantize %w, %ws{zw_use} : {w_ty}, {ws_ty}{zw_ty} -> {wf_ty}\n"
          + pad_ir
          + f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.depthwise_conv_2d_nhwc_hwc {attrs(strides, dilations)}\n"
          f"         ins({'%xp' if padded else '%xd'}, %wd : {xp_ty if padded else xf_ty}, {wf_ty}) "
          f"outs({init} : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    # A per-channel filter zero point is a tensor: the vectorized generic.
    fn = compile_checked(ir, "qdq depthwise " + label, DW_VECTOR if w_zp else DW_KERNEL)
    got = fn(x, xs, b)
    x64 = pad_spatial(x.astype(np.int64) - (zx or 0), "nhwc", pads, 0)
    w64 = w.astype(np.int64) - (zw.astype(np.int64) if w_zp else 0)
    acc, _ = depthwise_ref(x64, w64, strides, dilations)
    assert np.abs(acc).max() < 2**31
    if act_per_channel:
        # (f32(acc) * xs[c]) * ws[c]: the epilogue's order.
        want = ((acc.astype(np.int32).astype(np.float32) * xs) * ws.reshape(1, 1, 1, c)).astype(np.float32)
    else:
        want = ref.rescale(acc.astype(np.int32), xs, ws.reshape(1, 1, 1, c))
    if accumulate:
        want = (want + b).astype(np.float32)
    check("qdq depthwise", label, got, want)


def q_depthwise_case(label, n, c, size, window, strides=(1, 1), dilations=(1, 1),
                     zx=None, zw=None, runtime_zp=False, accumulate=False):
    """depthwise_conv_2d_nhwc_hwc_q (zero points given) or the plain integer
    depthwise_conv_2d_nhwc_hwc (i8 x i8 -> i32)."""
    oh, ow = out_size(size, window, strides, dilations)
    x = rng.integers(-128, 128, (n, size[0], size[1], c)).astype(np.int8)
    w = rng.integers(-128, 128, (window[0], window[1], c)).astype(np.int8)
    b = rng.integers(-1000, 1000, (n, oh, ow, c)).astype(np.int32)
    x_ty, w_ty, y_ty = tt(x.shape, "i8"), tt(w.shape, "i8"), tt((n, oh, ow, c), "i32")
    q = zx is not None
    args = f"%x: {x_ty}, %b: {y_ty}" + (", %zx: i32, %zw: i32" if q and runtime_zp else "")
    zp_ir = ""
    if q and not runtime_zp:
        zp_ir = (f"  %zx = arith.constant {zx} : i32\n"
                 f"  %zw = arith.constant {zw} : i32\n")
    init = "%b" if accumulate else "%init"
    op = (f"linalg.depthwise_conv_2d_nhwc_hwc_q {attrs(strides, dilations)}\n"
          f"         ins(%x, %w, %zx, %zw : {x_ty}, {w_ty}, i32, i32)" if q else
          f"linalg.depthwise_conv_2d_nhwc_hwc {attrs(strides, dilations)}\n"
          f"         ins(%x, %w : {x_ty}, {w_ty})")
    ir = (f"func.func @f({args}) -> {y_ty} {{\n"
          f"  %c0 = arith.constant 0 : i32\n"
          f"  %w = arith.constant {dense(w)}\n" + zp_ir
          + f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%c0 : i32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = {op} outs({init} : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    fn = compile_checked(ir, "depthwise " + label, DW_VECTOR if runtime_zp else DW_KERNEL)
    got = fn(x, b, zx, zw) if q and runtime_zp else fn(x, b)
    acc, _ = depthwise_ref(x.astype(np.int64) - (zx or 0), w.astype(np.int64) - (zw or 0),
                           strides, dilations)
    if accumulate:
        acc = acc + b
    assert np.abs(acc).max() < 2**31
    check("int depthwise", label, got, acc.astype(np.int32))


def q_conv_case(label, op, n, c, f, size, window, strides=(1, 1), dilations=(1, 1),
                pads=(0, 0), zx=0, zw=0):
    """A `_q` convolution of an i8 input padded with its zero point (a
    tensor.pad of the integers) and a constant i8 filter, i32 result."""
    lin, lw, lout = OPS[op]
    hp, wp = size[0] + 2 * pads[0], size[1] + 2 * pads[1]
    oh, ow = out_size([hp, wp], window, strides, dilations)
    x = rng.integers(-128, 128, (n, size[0], size[1], c)).astype(np.int8)  # nhwc
    x.flat[0] = -128
    w = rng.integers(-128, 128, (window[0], window[1], c, f)).astype(np.int8)  # HWcf
    xl = np.ascontiguousarray(to_layout(x, "nhwc", lin))
    wl = np.ascontiguousarray(to_layout(w, "HWcf", lw))
    dims = {"n": n, "c": c, "f": f, "h": hp, "w": wp}
    xp_shape = [dims[ch] for ch in lin]
    ydims = {"n": n, "f": f, "h": oh, "w": ow}
    y_shape = [ydims[ch] for ch in lout]
    x_ty, xp_ty, w_ty, y_ty = tt(xl.shape, "i8"), tt(xp_shape, "i8"), tt(wl.shape, "i8"), tt(y_shape, "i32")
    lo = [0, 0, 0, 0]
    lo[lin.index("h")], lo[lin.index("w")] = pads
    padded = any(pads)
    pad_ir = ""
    if padded:
        pad_ir = (f"  %xp = tensor.pad %x low{lo} high{lo} {{\n"
                  f"  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
                  f"    tensor.yield %zx8 : i8\n  }} : {x_ty} to {xp_ty}\n")
    ir = (f"func.func @f(%x: {x_ty}) -> {y_ty} {{\n"
          f"  %c0 = arith.constant 0 : i32\n"
          f"  %zx = arith.constant {zx} : i32\n  %zw = arith.constant {zw} : i32\n"
          f"  %zx8 = arith.constant {zx} : i8\n"
          f"  %w = arith.constant {dense(wl)}\n" + pad_ir
          + f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%c0 : i32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.{op} {attrs(strides, dilations)}\n"
          f"         ins({'%xp' if padded else '%x'}, %w, %zx, %zw : "
          f"{xp_ty if padded else x_ty}, {w_ty}, i32, i32) outs(%init : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    fn = compile_checked(ir, op + " " + label, "vpdpbusd")
    got = fn(xl)
    acc = conv_ref(pad_spatial(x.astype(np.int64), "nhwc", pads, zx) - zx,
                   w.astype(np.int64) - zw, "conv_2d_nhwc_hwcf", strides, dilations)
    assert np.abs(acc).max() < 2**31
    check(op, label, got, np.ascontiguousarray(to_layout(acc, "nhwf", lout)).astype(np.int32))


# QDQ depthwise on the direct int8 kernel.
qdq_depthwise_case("3x3 c=32 padded zx=-5", 2, 32, [9, 8], [3, 3], pads=(1, 1), zx=-5)
qdq_depthwise_case("3x3 stride 2 dilation 2 c=19 per-batch", 2, 19, [11, 12], [3, 3],
                   strides=(2, 2), dilations=(2, 2), per_batch=True)
qdq_depthwise_case("5x5 c=3 filter zero point accumulate", 1, 3, [7, 9], [5, 5],
                   w_zp=True, accumulate=True)
qdq_depthwise_case("3x3 c=17 padded zx=-128 extremes", 1, 17, [6, 7], [3, 3], pads=(1, 1),
                   zx=-128, extremes=True)
qdq_depthwise_case("3x3 c=40 stride 2 padded zx=127 filter zp", 1, 40, [10, 9], [3, 3],
                   strides=(2, 2), pads=(1, 1), zx=127, w_zp=True)
qdq_depthwise_case("2x3 c=1 dilation (2,1)", 1, 1, [6, 6], [2, 3], dilations=(2, 1))
qdq_depthwise_case("3x3 c=24 per-channel activation scale padded zx=4 accumulate", 1, 24,
                   [7, 8], [3, 3], pads=(1, 1), zx=4, act_per_channel=True, accumulate=True)

# Integer and _q depthwise (i32 result).
q_depthwise_case("_q 3x3 c=21 constant zero points", 1, 21, [8, 7], [3, 3], zx=-7, zw=3)
q_depthwise_case("_q 3x3 stride 2 run-time zero points accumulate", 2, 16, [9, 9], [3, 3],
                 strides=(2, 2), zx=127, zw=-128, runtime_zp=True, accumulate=True)
q_depthwise_case("i8 x i8 -> i32 3x3 dilation 2 c=5", 1, 5, [9, 9], [3, 3], dilations=(2, 2))

# _q convolutions through im2col into quantc.matmul with zero points.
q_conv_case("3x3 padded zx=-3 zw=2", "conv_2d_nhwc_hwcf_q", 2, 5, 7, [7, 6], [3, 3],
            pads=(1, 1), zx=-3, zw=2)
q_conv_case("3x3 stride 2 dilation 2 zx=127", "conv_2d_nhwc_hwcf_q", 1, 6, 9, [11, 10], [3, 2],
            strides=(2, 2), dilations=(2, 2), zx=127, zw=0)
q_conv_case("3x3 stride 2 padded zx=-128 zw=-1", "conv_2d_nhwc_fhwc_q", 1, 6, 9, [8, 9], [3, 3],
            strides=(2, 2), pads=(1, 1), zx=-128, zw=-1)
q_conv_case("3x3 padded zx=9 zw=5", "conv_2d_nchw_fchw_q", 2, 3, 4, [7, 8], [3, 3],
            pads=(1, 1), zx=9, zw=5)
q_conv_case("1x1 zx=-1", "conv_2d_nhwc_hwcf_q", 1, 13, 17, [5, 3], [1, 1], zx=-1, zw=0)

print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
