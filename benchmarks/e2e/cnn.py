#!/usr/bin/env python3
"""End to end: a small ResNet-style CNN written in PyTorch (conv-BN-ReLU
stem, three stages of two 3x3 conv-BN blocks with residuals and a stride-2
downsampling, a depthwise-separable block, global average pooling and a
linear classifier; random weights, BatchNorm statistics of a trained-looking
model) through `quantc.from_torch` in float and W8A8 (convolutions per
image, filters per output channel), against PyTorch fp32 (NCHW and
channels_last) in one process, at `--threads` (torch.set_num_threads; quantc's
kernels use the same libgomp team). Prints the best of `--reps` calls of
each, images/s, the ratios, and the relative error of the logits against
fp32.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=build/python \\
        /usr/bin/python3 benchmarks/e2e/cnn.py [--batch 8] [--hw 64] [--threads 1,2]
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn

import quantc

ap = argparse.ArgumentParser()
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--hw", type=int, default=64)
ap.add_argument("--width", type=int, default=32)
ap.add_argument("--threads", default="1,2")
ap.add_argument("--reps", type=int, default=10)
args = ap.parse_args()


def conv_bn(cin, cout, k=3, stride=1, groups=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(),
                                  *conv_bn(cout, cout, 3))
        self.skip = (nn.Sequential(*conv_bn(cin, cout, 1, stride))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.skip(x))


class CNN(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(3, w, 3), nn.ReLU())
        self.stages = nn.Sequential(Block(w, w, 1), Block(w, 2 * w, 2), Block(2 * w, 4 * w, 2))
        self.sep = nn.Sequential(*conv_bn(4 * w, 4 * w, 3, groups=4 * w), nn.ReLU6(),
                                 *conv_bn(4 * w, 4 * w, 1), nn.ReLU6())
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, 100))

    def forward(self, x):
        return self.head(self.sep(self.stages(self.stem(x))))


def model():
    torch.manual_seed(0)
    m = CNN(args.width).eval()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.6, 1.2)
                mod.bias.uniform_(-0.1, 0.1)
    return m


def best(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    m = model()
    shape = (args.batch, 3, args.hw, args.hw)
    x = torch.randn(*shape)
    calib = [(torch.randn(*shape),) for _ in range(2)]
    t0 = time.perf_counter()
    fexe = quantc.from_torch(m, (x,)).compile()
    tq = quantc.from_torch(m, (x,)).calibrate(calib)
    tq.quantize("w8a8", smoothquant=None)
    qexe = tq.compile()
    ir = tq.mlir()
    print(f"# CNN width {args.width}, input {shape}; quantc compile (float + W8A8) "
          f"{time.perf_counter() - t0:.1f} s; W8A8 IR: {ir.count('quantc.matmul')} "
          f"quantc.matmul, {ir.count('quantc.depthwise_int8')} depthwise int8, "
          f"{ir.count('linalg.conv')} float convolutions")
    xn = x.numpy()
    with torch.no_grad():
        want = m(x).numpy()
    print(f"# relative error of the logits vs fp32: quantc float {rel(fexe(xn), want):.2e}, "
          f"W8A8 {rel(qexe(xn), want):.2e}")
    mcl = model().to(memory_format=torch.channels_last)
    xcl = x.to(memory_format=torch.channels_last)
    print("| threads | PyTorch fp32 NCHW | PyTorch fp32 channels_last | quantc float | "
          "quantc W8A8 | W8A8 speed-up vs best PyTorch |")
    print("|---|---|---|---|---|---|")
    for t in (int(v) for v in args.threads.split(",")):
        torch.set_num_threads(t)
        with torch.no_grad():
            tt = best(lambda: m(x), args.reps)
            tcl = best(lambda: mcl(xcl), args.reps)
        tf = best(lambda: fexe(xn), args.reps)
        tqq = best(lambda: qexe(xn), args.reps)
        ips = lambda s: f"{s * 1e3:.1f} ms ({args.batch / s:.0f} img/s)"  # noqa: E731
        print(f"| {t} | {ips(tt)} | {ips(tcl)} | {ips(tf)} | {ips(tqq)} | "
              f"{min(tt, tcl) / tqq:.2f}x |")


if __name__ == "__main__":
    main()
