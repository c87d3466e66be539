#!/usr/bin/env python3
"""A ResNet-style 3x3 convolution (N=1, 56x56x64 -> 64, stride 1, padding 1 as
a tensor.pad before the convolution, constant weights) through compile_cpu,
side by side in one process with PyTorch's conv2d (oneDNN) and NumPy
(im2col + matmul), float and int8. Prints the best of `--reps` calls of each
and the ratios. quantc runs --quantc-conv-to-gemm (im2col + one GEMM on the
FMA / VNNI kernels); cpu=generic is the reference lowering.

  PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/cpu/conv.py \
    [--generic] [--gemm-only]

--depthwise instead times MobileNet's 3x3 depthwise convolutions (N=1,
padding 1, stride 1 and 2; `--dw-shapes`): quantc's QDQ int8 depthwise (the
direct x86 kernel of DepthwiseKernel.cpp, the quantc.rescale epilogue fused;
an activation zero point, padding with it) with a float result and
requantized to i8, quantc float depthwise, PyTorch's float depthwise conv2d
(groups=C, oneDNN, channels_last) and PyTorch's quantized depthwise
convolution (torch.ao.nn.quantized.Conv2d, groups=C, quint8 in and out, on
each quantized engine it has), in one run, with the ratio PyTorch f32 / each.
OMP_NUM_THREADS sets the threads of both.
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
ap.add_argument("--depthwise", action="store_true",
                help="time 3x3 depthwise convolutions instead (see above)")
ap.add_argument("--dw-shapes", default="112x32,112x32s2,56x128,56x128s2,28x256,14x512",
                help="depthwise shapes HWxC (stride 1) or HWxCs2 (stride 2), "
                     "comma-separated")
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


def depthwise(hw, c, stride):
    """One depthwise shape: quantc int8 (float and requantized i8 results)
    and float, PyTorch float and int8."""
    zx = 3
    oh = (hw + 2 - 3) // stride + 1
    x = rng.uniform(-1, 1, (1, hw, hw, c)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 3, c)).astype(np.float32)
    xq = rng.integers(-128, 128, (1, hw, hw, c)).astype(np.int8)
    wq = rng.integers(-127, 128, (3, 3, c)).astype(np.int8)
    xs = np.full((1, 1, 1, 1), 0.02, np.float32)
    ws = rng.uniform(0.001, 0.01, (1, 1, c)).astype(np.float32)
    ys = np.full((1, 1, 1, 1), 0.05, np.float32)
    x_t, xp_t, y_t = tt((1, hw, hw, c), "f32"), tt((1, hw + 2, hw + 2, c), "f32"), tt((1, oh, oh, c), "f32")
    xi_t, s_t, yi_t = tt((1, hw, hw, c), "i8"), tt((1, 1, 1, 1), "f32"), tt((1, oh, oh, c), "i8")
    w_t = tt((3, 3, c), "f32")
    pad_ir = f"""  %xp = tensor.pad %IN low[0, 1, 1, 0] high[0, 1, 1, 0] {{
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  }} : {x_t} to {xp_t}
"""
    conv_ir = f"""  %e = tensor.empty() : {y_t}
  %init = linalg.fill ins(%zero : f32) outs(%e : {y_t}) -> {y_t}
  %y = linalg.depthwise_conv_2d_nhwc_hwc {{dilations = dense<1> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}}
         ins(%xp, %wd : {xp_t}, {w_t}) outs(%init : {y_t}) -> {y_t}
"""
    ret_f = f"  return %y : {y_t}\n}}\n"
    ret_q = (f"  %ys = arith.constant {dense(ys)}\n"
             f"  %q = quantc.quantize %y, %ys : {y_t}, {s_t} -> {yi_t}\n"
             f"  return %q : {yi_t}\n}}\n")
    float_ir = (f"func.func @f(%x: {x_t}) -> {y_t} {{\n  %zero = arith.constant 0.0 : f32\n"
                f"  %wd = arith.constant {dense(w)}\n" + pad_ir.replace("%IN", "%x") + conv_ir + ret_f)
    int8_body = (f"  %zero = arith.constant 0.0 : f32\n"
                 f"  %zx = arith.constant dense<{zx}> : tensor<1x1x1x1xi8>\n"
                 f"  %w = arith.constant {dense(wq)}\n  %ws = arith.constant {dense(ws)}\n"
                 f"  %xd = quantc.dequantize %x, %xs zero_point %zx : {xi_t}, {s_t}, tensor<1x1x1x1xi8> -> {x_t}\n"
                 f"  %wd = quantc.dequantize %w, %ws : {tt((3, 3, c), 'i8')}, {tt((1, 1, c), 'f32')} -> {w_t}\n"
                 + pad_ir.replace("%IN", "%xd") + conv_ir)
    int8_ir = f"func.func @f(%x: {xi_t}, %xs: {s_t}) -> {y_t} {{\n" + int8_body + ret_f
    int8q_ir = f"func.func @f(%x: {xi_t}, %xs: {s_t}) -> {yi_t} {{\n" + int8_body + ret_q
    macs = oh * oh * c * 9
    print(f"depthwise 3x3 N=1 {hw}x{hw}x{c}, pad 1, stride {stride}: {macs / 1e6:.2f} M MACs")
    pipe = "quantc-cpu-pipeline{cpu=host}"
    fq = quantc.compile_cpu(int8_ir, pipe, shared_libs=[GOMP]).f
    fqq = quantc.compile_cpu(int8q_ir, pipe, shared_libs=[GOMP]).f
    ff = quantc.compile_cpu(float_ir, pipe, shared_libs=[GOMP]).f
    # What is timed is right: int8 bit-exact, float to 1e-5 relative.
    xq64 = np.pad(xq.astype(np.int64) - zx, ((0, 0), (1, 1), (1, 1), (0, 0)))
    sl = lambda i: slice(i, i + stride * (oh - 1) + 1, stride)
    acc = sum(xq64[:, sl(i), sl(j)] * wq[i, j].astype(np.int64)
              for i in range(3) for j in range(3))
    want = ref.rescale(acc.astype(np.int32), xs, ws.reshape(1, 1, 1, c))
    assert np.array_equal(fq(xq, xs), want)
    assert np.array_equal(fqq(xq, xs), ref.quantize(want, ys))
    x64 = np.pad(x.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)))
    wantf = sum(x64[:, sl(i), sl(j)] * w[i, j] for i in range(3) for j in range(3))
    assert np.abs(ff(x) - wantf).max() <= 1e-5 * np.abs(wantf).max() * 9
    rows = [("quantc int8 (direct x86 depthwise kernel), f32 result", best(lambda: fq(xq, xs), args.reps)),
            ("quantc int8, requantized i8 result", best(lambda: fqq(xq, xs), args.reps)),
            ("quantc float (vectorized generic)", best(lambda: ff(x), args.reps))]
    t_torch = None
    try:
        import torch
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        wt = torch.from_numpy(w).permute(2, 0, 1).unsqueeze(1).contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            t_torch = best(lambda: torch.nn.functional.conv2d(xt, wt, padding=1, stride=stride, groups=c),
                           args.reps)
        rows.append((f"PyTorch {torch.__version__} depthwise conv2d f32 (oneDNN, channels_last)", t_torch))
        # PyTorch's quantized depthwise convolution: quint8 in and out
        # (requantized), qint8 per-channel weights, groups = C.
        for engine in ("onednn", "qnnpack"):
            if engine not in torch.backends.quantized.supported_engines:
                continue
            try:
                torch.backends.quantized.engine = engine
                qconv = torch.ao.nn.quantized.Conv2d(c, c, 3, stride=stride, padding=1, groups=c)
                wqt = torch.quantize_per_channel(wt.contiguous(), torch.from_numpy(ws.reshape(c).astype(np.float64)),
                                                 torch.zeros(c, dtype=torch.long), 0, torch.qint8)
                qconv.set_weight_bias(wqt, None)
                qconv.scale, qconv.zero_point = 0.05, 128
                xqt = torch.quantize_per_tensor(xt, 0.02, 128, torch.quint8).contiguous(
                    memory_format=torch.channels_last)
                with torch.no_grad():
                    qconv(xqt)
                    t = best(lambda: qconv(xqt), args.reps)
                rows.append((f"PyTorch int8 depthwise (torch.ao.nn.quantized.Conv2d, {engine})", t))
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"  (PyTorch int8 on {engine} failed: {type(e).__name__}: {e})")
    except ImportError:
        pass
    for name, t in rows:
        ratio = f"  PyTorch f32 / this: {t_torch / t:5.2f}x" if t_torch else ""
        print(f"  {name:66s} {t * 1e3:8.3f} ms  {2 * macs / t / 1e9:6.1f} GOP/s{ratio}")


if args.depthwise:
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
          f"loadavg {open('/proc/loadavg').read().split()[:3]}")
    for shape in args.dw_shapes.split(","):
        stride_ = 2 if shape.endswith("s2") else 1
        hw_, c_ = map(int, shape.removesuffix("s2").split("x"))
        depthwise(hw_, c_, stride_)
    raise SystemExit(0)

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
