#!/usr/bin/env python3
"""A ResNet-style 3x3 convolution (N=1, 56x56x64 -> 64, stride 1, padding 1 as
a tensor.pad before the convolution, constant weights) through compile_cpu,
side by side in one process with PyTorch's conv2d (oneDNN) and NumPy
(im2col + matmul), float and int8. Prints the best of `--reps` calls of each
and the ratios. quantc runs --quantc-conv-to-gemm (im2col + one GEMM on the
FMA / VNNI kernels); cpu=generic is the reference lowering.

  PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/cpu/conv.py \
    [--generic] [--gemm-only]
"""
import argparse
import os
import time

import numpy as np

import quantc
from quantc import reference as ref
from quantc.builders import dense, tensor_type as tt

ap = argparse.ArgumentParser()
ap.add_argument("--hw", type=int, default=56)
ap.add_argument("--c", type=int, default=64)
ap.add_argument("--f", type=int, default=64)
ap.add_argument("--reps", type=int, default=20)
ap.add_argument("--generic", action="store_true",
                help="also time the reference lowering (slow)")
ap.add_argument("--gemm-only", action="store_true",
                help="also time the convolution's GEMM alone ([N*OH*OW, 9C] x "
                     "[9C, F] as a linalg.matmul, float)")
args = ap.parse_args()
HW, C, F = args.hw, args.c, args.f
rng = np.random.default_rng(0)
GOMP = "/usr/lib/x86_64-linux-gnu/libgomp.so.1"


def best(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


x = rng.uniform(-1, 1, (1, HW, HW, C)).astype(np.float32)
w = rng.uniform(-1, 1, (3, 3, C, F)).astype(np.float32)
xq = rng.integers(-127, 128, (1, HW, HW, C)).astype(np.int8)
wq = rng.integers(-127, 128, (3, 3, C, F)).astype(np.int8)
xs = np.full((1, 1, 1, 1), 0.02, np.float32)
ws = rng.uniform(0.001, 0.01, (1, 1, 1, F)).astype(np.float32)
x_t, xp_t, y_t = tt((1, HW, HW, C), "f32"), tt((1, HW + 2, HW + 2, C), "f32"), tt((1, HW, HW, F), "f32")
pad = f"""  %xp = tensor.pad %IN low[0, 1, 1, 0] high[0, 1, 1, 0] {{
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  }} : {x_t} to {xp_t}
"""
conv = f"""  %e = tensor.empty() : {y_t}
  %init = linalg.fill ins(%zero : f32) outs(%e : {y_t}) -> {y_t}
  %y = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
         ins(%xp, %wd : {xp_t}, {tt((3, 3, C, F), "f32")}) outs(%init : {y_t}) -> {y_t}
  return %y : {y_t}
}}
"""
float_ir = (f"func.func @f(%x: {x_t}) -> {y_t} {{\n  %zero = arith.constant 0.0 : f32\n"
            f"  %wd = arith.constant {dense(w)}\n" + pad.replace("%IN", "%x") + conv)
int8_ir = (f"func.func @f(%x: {tt((1, HW, HW, C), 'i8')}, %xs: {tt((1, 1, 1, 1), 'f32')}) -> {y_t} {{\n"
           f"  %zero = arith.constant 0.0 : f32\n"
           f"  %w = arith.constant {dense(wq)}\n  %ws = arith.constant {dense(ws)}\n"
           f"  %xd = quantc.dequantize %x, %xs : {tt((1, HW, HW, C), 'i8')}, {tt((1, 1, 1, 1), 'f32')} -> {x_t}\n"
           f"  %wd = quantc.dequantize %w, %ws : {tt((3, 3, C, F), 'i8')}, {tt((1, 1, 1, F), 'f32')} -> {tt((3, 3, C, F), 'f32')}\n"
           + pad.replace("%IN", "%xd") + conv)

macs = HW * HW * F * 9 * C
print(f"conv 3x3 N=1 {HW}x{HW}x{C} -> {F}, pad 1, stride 1: {macs / 1e6:.1f} M MACs; "
      f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
rows = []

ff = quantc.compile_cpu(float_ir, "quantc-cpu-pipeline{cpu=host}", shared_libs=[GOMP]).f
t_qf = best(lambda: ff(x), args.reps)
rows.append(("quantc float (cpu=host: im2col + FMA GEMM)", t_qf))
fq = quantc.compile_cpu(int8_ir, "quantc-cpu-pipeline{cpu=host}", shared_libs=[GOMP]).f
t_qi = best(lambda: fq(xq, xs), args.reps)
rows.append(("quantc int8 (cpu=host: int8 im2col + VNNI GEMM)", t_qi))
if args.generic:
    fg = quantc.compile_cpu(float_ir, "quantc-cpu-pipeline{cpu=generic}").f
    rows.append(("quantc float (cpu=generic: reference lowering)", best(lambda: fg(x), 2)))

if args.gemm_only:
    a = rng.uniform(-1, 1, (HW * HW, 9 * C)).astype(np.float32)
    a_t, m_t = tt((HW * HW, 9 * C), "f32"), tt((HW * HW, F), "f32")
    gemm_ir = (f"func.func @f(%a: {a_t}) -> {m_t} {{\n  %zero = arith.constant 0.0 : f32\n"
               f"  %w = arith.constant {dense(w.reshape(9 * C, F))}\n"
               f"  %e = tensor.empty() : {m_t}\n"
               f"  %i = linalg.fill ins(%zero : f32) outs(%e : {m_t}) -> {m_t}\n"
               f"  %y = linalg.matmul ins(%a, %w : {a_t}, {tt((9 * C, F), 'f32')}) "
               f"outs(%i : {m_t}) -> {m_t}\n  return %y : {m_t}\n}}\n")
    fgm = quantc.compile_cpu(gemm_ir, "quantc-cpu-pipeline{cpu=host}", shared_libs=[GOMP]).f
    rows.append(("quantc float GEMM alone (no gather)", best(lambda: fgm(a), args.reps)))

# Correctness of what was timed (float: vs float64; int8: bit-exact).
x64 = np.pad(x.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)))
want = sum(np.einsum("nhwc,cf->nhwf", x64[:, i:i + HW, j:j + HW], w[i, j].astype(np.float64))
           for i in range(3) for j in range(3))
assert np.abs(ff(x) - want).max() <= 1e-4 * np.abs(want).max()
xq64 = np.pad(xq.astype(np.int64), ((0, 0), (1, 1), (1, 1), (0, 0)))
acc = sum(np.einsum("nhwc,cf->nhwf", xq64[:, i:i + HW, j:j + HW], wq[i, j].astype(np.int64))
          for i in range(3) for j in range(3))
assert np.array_equal(fq(xq, xs), ref.rescale(acc.astype(np.int32), xs, ws))


def im2col(a):
    ap_ = np.pad(a, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.stack([ap_[0, i:i + HW, j:j + HW] for i in range(3) for j in range(3)], axis=2)
    return cols.reshape(HW * HW, 9 * C)


w2 = w.reshape(9 * C, F)
rows.append(("NumPy im2col + matmul (f32)", best(lambda: im2col(x) @ w2, args.reps)))
try:
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    wt = torch.from_numpy(w).permute(3, 2, 0, 1).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        rows.append((f"PyTorch {torch.__version__} conv2d f32 (oneDNN, channels_last)",
                     best(lambda: torch.nn.functional.conv2d(xt, wt, padding=1), args.reps)))
except ImportError:
    pass

for name, t in rows:
    print(f"  {name:52s} {t * 1e3:8.3f} ms  {2 * macs / t / 1e9:7.1f} GFLOP/s"
          f"  speed vs quantc float: {t_qf / t:5.2f}x")
