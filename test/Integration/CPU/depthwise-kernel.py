# REQUIRES: libgomp
# RUN: %python %s 1 | FileCheck %s
# RUN: %python %s 2 | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED
"""The direct x86 int8 depthwise kernel (DepthwiseKernel.cpp) through
--quantc-cpu-pipeline, bit-exact against the independent NumPy int64
reference of test/lib/convref.py (shifted-slice sums over the window), on
OMP_NUM_THREADS = argv[1] (1 and 2: the output rows split over the team):

- QDQ depthwise (i8 activation with a zero point, i8 filter with a
  per-channel scale, the frontends' zero tensor.pad): stride 1 and 2,
  dilation 2, padding 0 and 1, odd channel counts (13, 33: a masked last
  block of 16 lanes), N = 2, a float residual (initial value), a
  requantized i8 result (quantc.quantize after the convolution: the fused
  epilogue's rounding), and u8 activations from quant types
  (`!quant.uniform<u8:f32, s:z>`, zero point in [0, 255], the bytes passed
  as np.uint8);
- depthwise_conv_2d_nhwc_hwc_q (i32 result) with constant zero points at the
  ends of the i8 range and a non-zero initial value;
- the AVX2 form (cpu=avx2: 8 lanes) on two of them;
- a regular conv_2d_nhwc_hwcf of u8 activations from quant types (im2col
  into the VNNI GEMM).

Each compilation must run on the kernel (pmaddwd in the lowered IR; no
remark that it does not) and, for the shapes with enough rows, on the OpenMP
team (GOMP_parallel)."""
import os
import sys

os.environ["OMP_NUM_THREADS"] = sys.argv[1] if len(sys.argv) > 1 else "1"

import re

import numpy as np

import quantc
from convref import attrs, conv_ref, depthwise_ref, out_size, pad_spatial
from qtest import libgomp
from quantc import reference as ref
from quantc.builders import dense, tensor_type as tt

rng = np.random.default_rng(1719)
GOMP = libgomp()
flags = open("/proc/cpuinfo").read().split()
HAS_KERNEL = "avx512_vnni" in flags
PIPELINE = ("quantc-cpu-pipeline{cpu=vnni}" if HAS_KERNEL
            else "quantc-cpu-pipeline{cpu=vnni-emulated}")
KERNEL = r"llvm\.x86\.avx512\.pmaddw\.d\.512"
failures = 0


AVX2_PIPELINE = "quantc-cpu-pipeline{cpu=avx2}"
AVX2_KERNEL = r"llvm\.x86\.avx2\.pmadd\.wd"


def compile_checked(ir, label, must=(), team=False, pipeline=PIPELINE):
    """Compiles `ir`; each pattern of `must` must be in the lowered IR, and
    with `team` the kernel's rows must run on the OpenMP team."""
    global failures
    out, diags = quantc.run_pipeline(ir, pipeline, return_diagnostics=True)
    bad = [d for d in diags.splitlines()
           if "not the direct x86 kernel" in d or "reference lowering" in d or "stays a" in d]
    avx2 = pipeline == AVX2_PIPELINE
    pats = list(must) + ([AVX2_KERNEL] if avx2 else [KERNEL] if HAS_KERNEL else [])
    if team and HAS_KERNEL:
        pats.append("GOMP_parallel")
    missing = [p for p in pats if not re.search(p, out)]
    if bad or missing:
        failures += 1
        print(f"FAIL {label}: remarks {bad}, missing in the IR {missing}")
    return quantc.compile_cpu(ir, pipeline, shared_libs=[GOMP]).f


def check(label, got, want):
    global failures
    ok = got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want)
    print(("ok  " if ok else "FAIL"), label)
    if not ok and got.shape == want.shape:
        print("   max |diff|", np.abs(got.astype(np.float64) - want.astype(np.float64)).max())
    failures += not ok


def qdq_case(label, n, c, size, window=(3, 3), strides=(1, 1), dilations=(1, 1),
             pads=(0, 0), zx=0, u8=False, residual=False, requant=False, team=False,
             pipeline=PIPELINE):
    """QDQ depthwise; u8: the activation from a u8 quant type (zero point zx
    in [0, 255]), else i8 (quantc.dequantize with zero point zx)."""
    hp, wp = size[0] + 2 * pads[0], size[1] + 2 * pads[1]
    oh, ow = out_size([hp, wp], window, strides, dilations)
    lo_q, hi_q = (0, 256) if u8 else (-128, 128)
    x = rng.integers(lo_q, hi_q, (n, size[0], size[1], c))
    x.flat[0], x.flat[-1] = lo_q, hi_q - 1
    x = x.astype(np.uint8 if u8 else np.int8)
    w = rng.integers(-128, 128, (window[0], window[1], c)).astype(np.int8)
    xs = np.float32(0.03125)
    ws = rng.uniform(0.001, 0.01, (1, 1, c)).astype(np.float32)
    r = rng.uniform(-1, 1, (n, oh, ow, c)).astype(np.float32)
    ys = np.full((1, 1, 1, 1), 0.05, np.float32)
    x_ty, xf_ty = tt(x.shape, "i8"), tt(x.shape, "f32")
    xp_ty, y_ty = tt((n, hp, wp, c), "f32"), tt((n, oh, ow, c), "f32")
    if u8:
        aq = f"!quant.uniform<u8:f32, {float(xs)!r}:{zx}>"
        xq_ty = f"tensor<{n}x{size[0]}x{size[1]}x{c}x{aq}>"
        deq = (f"  %xq = quant.scast %x : {x_ty} to {xq_ty}\n"
               f"  %xd = quant.dcast %xq : {xq_ty} to {xf_ty}\n")
    else:
        s_ty, z_ty = tt((1, 1, 1, 1), "f32"), tt((1, 1, 1, 1), "i8")
        deq = (f"  %xs = arith.constant dense<{float(xs)!r}> : {s_ty}\n"
               f"  %zx = arith.constant dense<{zx}> : {z_ty}\n"
               f"  %xd = quantc.dequantize %x, %xs zero_point %zx : {x_ty}, {s_ty}, {z_ty} -> {xf_ty}\n")
    pad = ""
    if any(pads):
        pad = (f"  %xp = tensor.pad %xd low[0, {pads[0]}, {pads[1]}, 0] high[0, {pads[0]}, {pads[1]}, 0] {{\n"
               f"  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
               f"    tensor.yield %zero : f32\n  }} : {xf_ty} to {xp_ty}\n")
    res_ty = tt((n, oh, ow, c), "i8") if requant else y_ty
    tail = f"  return %y : {y_ty}\n"
    if requant:
        tail = (f"  %ys = arith.constant dense<0.05> : {tt((1, 1, 1, 1), 'f32')}\n"
                f"  %q = quantc.quantize %y, %ys : {y_ty}, {tt((1, 1, 1, 1), 'f32')} -> {res_ty}\n"
                f"  return %q : {res_ty}\n")
    ir = (f"func.func @f(%x: {x_ty}, %r: {y_ty}) -> {res_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n"
          f"  %ws = arith.constant {dense(ws)}\n" + deq
          + f"  %wd = quantc.dequantize %w, %ws : {tt(w.shape, 'i8')}, {tt(ws.shape, 'f32')} -> {tt(w.shape, 'f32')}\n"
          + pad
          + f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.depthwise_conv_2d_nhwc_hwc {attrs(strides, dilations)}\n"
          f"         ins({'%xp' if any(pads) else '%xd'}, %wd : {xp_ty if any(pads) else xf_ty}, "
          f"{tt(w.shape, 'f32')}) outs({'%r' if residual else '%init'} : {y_ty}) -> {y_ty}\n"
          + tail + "}\n")
    fn = compile_checked(ir, label, team=team, pipeline=pipeline)
    got = fn(x, r)
    x64 = pad_spatial(x.astype(np.int64) - zx, "nhwc", pads, 0)
    acc, _ = depthwise_ref(x64, w.astype(np.int64), strides, dilations)
    assert np.abs(acc).max() < 2**31
    want = ref.rescale(acc.astype(np.int32), np.full((1, 1, 1, 1), xs, np.float32),
                       ws.reshape(1, 1, 1, c))
    if residual:
        want = (want + r).astype(np.float32)
    if requant:
        want = ref.quantize(want, ys)
    check(label, got, want)


def q_case(label, n, c, size, strides=(1, 1), dilations=(1, 1), zx=0, zw=0, team=False,
           pipeline=PIPELINE):
    """depthwise_conv_2d_nhwc_hwc_q, constant zero points, initial value b."""
    oh, ow = out_size(size, (3, 3), strides, dilations)
    x = rng.integers(-128, 128, (n, size[0], size[1], c)).astype(np.int8)
    x.flat[0], x.flat[-1] = -128, 127
    w = rng.integers(-128, 128, (3, 3, c)).astype(np.int8)
    b = rng.integers(-1000, 1000, (n, oh, ow, c)).astype(np.int32)
    x_ty, w_ty, y_ty = tt(x.shape, "i8"), tt(w.shape, "i8"), tt((n, oh, ow, c), "i32")
    ir = (f"func.func @f(%x: {x_ty}, %b: {y_ty}) -> {y_ty} {{\n"
          f"  %w = arith.constant {dense(w)}\n"
          f"  %zx = arith.constant {zx} : i32\n  %zw = arith.constant {zw} : i32\n"
          f"  %y = linalg.depthwise_conv_2d_nhwc_hwc_q {attrs(strides, dilations)}\n"
          f"         ins(%x, %w, %zx, %zw : {x_ty}, {w_ty}, i32, i32) outs(%b : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    fn = compile_checked(ir, label, team=team, pipeline=pipeline)
    acc, _ = depthwise_ref(x.astype(np.int64) - zx, w.astype(np.int64) - zw, strides, dilations)
    acc = acc + b
    assert np.abs(acc).max() < 2**31
    check(label, fn(x, b), acc.astype(np.int32))


def u8_conv_case(label, n, c, f, size, pads=(1, 1), zx=0):
    """conv_2d_nhwc_hwcf of u8 activations (quant type, zero point zx in
    [0, 255]) and i8 weights, padded with zeros on the float side."""
    hp, wp = size[0] + 2 * pads[0], size[1] + 2 * pads[1]
    oh, ow = out_size([hp, wp], (3, 3), (1, 1), (1, 1))
    x = rng.integers(0, 256, (n, size[0], size[1], c)).astype(np.uint8)
    x.flat[0], x.flat[-1] = 0, 255
    w = rng.integers(-128, 128, (3, 3, c, f)).astype(np.int8)
    xs, ws = 0.03125, 0.0123
    aq = f"!quant.uniform<u8:f32, {xs!r}:{zx}>"
    wq = f"!quant.uniform<i8:f32, {ws!r}>"
    x_ty, xf_ty = tt(x.shape, "i8"), tt(x.shape, "f32")
    xq_ty = f"tensor<{n}x{size[0]}x{size[1]}x{c}x{aq}>"
    wq_ty = f"tensor<3x3x{c}x{f}x{wq}>"
    xp_ty, y_ty = tt((n, hp, wp, c), "f32"), tt((n, oh, ow, f), "f32")
    ir = (f"func.func @f(%x: {x_ty}) -> {y_ty} {{\n"
          f"  %zero = arith.constant 0.0 : f32\n"
          f"  %w = arith.constant {dense(w)}\n"
          f"  %xq = quant.scast %x : {x_ty} to {xq_ty}\n"
          f"  %xd = quant.dcast %xq : {xq_ty} to {xf_ty}\n"
          f"  %wq = quant.scast %w : {tt(w.shape, 'i8')} to {wq_ty}\n"
          f"  %wd = quant.dcast %wq : {wq_ty} to {tt(w.shape, 'f32')}\n"
          f"  %xp = tensor.pad %xd low[0, {pads[0]}, {pads[1]}, 0] high[0, {pads[0]}, {pads[1]}, 0] {{\n"
          f"  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):\n"
          f"    tensor.yield %zero : f32\n  }} : {xf_ty} to {xp_ty}\n"
          f"  %e = tensor.empty() : {y_ty}\n"
          f"  %init = linalg.fill ins(%zero : f32) outs(%e : {y_ty}) -> {y_ty}\n"
          f"  %y = linalg.conv_2d_nhwc_hwcf {attrs((1, 1), (1, 1))}\n"
          f"         ins(%xp, %wd : {xp_ty}, {tt(w.shape, 'f32')}) outs(%init : {y_ty}) -> {y_ty}\n"
          f"  return %y : {y_ty}\n}}\n")
    global failures
    out, diags = quantc.run_pipeline(ir, PIPELINE, return_diagnostics=True)
    if "stays a" in diags or "reference lowering" in diags or "vpdpbusd" not in out:
        failures += 1
        print(f"FAIL {label}: not on the VNNI GEMM: {diags}")
    fn = quantc.compile_cpu(ir, PIPELINE, shared_libs=[GOMP]).f
    x64 = pad_spatial(x.astype(np.int64) - zx, "nhwc", pads, 0)
    acc = conv_ref(x64, w.astype(np.int64), "conv_2d_nhwc_hwcf", (1, 1), (1, 1))
    assert np.abs(acc).max() < 2**31
    want = ref.rescale(acc.astype(np.int32), np.full((1, 1, 1, 1), xs, np.float32),
                       np.full((1, 1, 1, 1), ws, np.float32))
    check(label, fn(x), want)


qdq_case("3x3 c=13 padded zx=-5 N=2", 2, 13, [9, 10], pads=(1, 1), zx=-5)
qdq_case("3x3 stride 2 c=33 padded zx=127", 1, 33, [11, 12], strides=(2, 2), pads=(1, 1), zx=127)
qdq_case("3x3 dilation 2 c=33 padded zx=-128", 1, 33, [9, 11], dilations=(2, 2), pads=(1, 1),
         zx=-128)
qdq_case("3x3 stride 2 dilation 2 c=13 unpadded", 2, 13, [13, 12], strides=(2, 2),
         dilations=(2, 2), zx=3)
qdq_case("5x3 c=16 padded residual", 1, 16, [8, 9], window=(5, 3), pads=(2, 1), zx=1,
         residual=True)
qdq_case("3x3 c=48 padded requantized to i8", 1, 48, [7, 9], pads=(1, 1), zx=-9, requant=True)
qdq_case("3x3 c=48 40x40 N=2 padded (rows on the team)", 2, 48, [40, 40], pads=(1, 1),
         zx=2, team=True)
qdq_case("3x3 stride 2 c=33 40x40 padded (rows on the team)", 1, 33, [40, 40],
         strides=(2, 2), pads=(1, 1), zx=-1, team=True)
qdq_case("u8 3x3 c=13 padded zx=128", 1, 13, [9, 8], pads=(1, 1), zx=128, u8=True)
qdq_case("u8 3x3 stride 2 c=33 padded zx=0", 2, 33, [10, 11], strides=(2, 2), pads=(1, 1),
         zx=0, u8=True)
qdq_case("u8 3x3 c=20 padded zx=255", 1, 20, [7, 7], pads=(1, 1), zx=255, u8=True)
q_case("_q 3x3 c=13 zx=-128 zw=127 N=2", 2, 13, [8, 9], zx=-128, zw=127)
q_case("_q 3x3 stride 2 dilation 2 c=33 zx=127 zw=-128", 1, 33, [13, 11], strides=(2, 2),
       dilations=(2, 2), zx=127, zw=-128)
q_case("_q 3x3 c=64 40x40 (rows on the team)", 1, 64, [40, 40], zx=5, zw=-3, team=True)
# The AVX2 form (8 lanes, vpmaddwd on ymm) where the CPU has AVX2.
if "avx2" in flags:
    qdq_case("avx2 3x3 stride 2 c=13 padded zx=-3", 2, 13, [11, 10], strides=(2, 2),
             pads=(1, 1), zx=-3, pipeline=AVX2_PIPELINE)
    q_case("avx2 _q 3x3 dilation 2 c=21 zx=127 zw=-128", 1, 21, [12, 13], dilations=(2, 2),
           zx=127, zw=-128, pipeline=AVX2_PIPELINE)
u8_conv_case("u8 conv_2d_nhwc_hwcf 3x3 zx=200", 1, 5, 7, [7, 6], zx=200)
u8_conv_case("u8 conv_2d_nhwc_hwcf 3x3 zx=0 N=2", 2, 3, 9, [6, 5], zx=0)

print("ALL PASSED" if failures == 0 else f"{failures} FAILURES")
