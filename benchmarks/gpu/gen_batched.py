#!/usr/bin/env python3
"""Compiles quantc's batched int8 GEMM kernels for the attention benchmark
shapes with --quantc-gpu-pipeline="format=bin" (sm_90 mma.sync and sm_90a
wgmma), extracts the cubins and writes MANIFEST lines for bench_batched:
  label layout B M Mp N K gridX gridZ block smem cubin kernel
Mp is M padded to the kernel's rows (the host pads every batch with zero rows).
layout: NT (Q.K^T, K stored [B, N, K]) or NN (P.V, V stored [B, K, N]); the
quantc kernel of an NN GEMM is the NT kernel on V^T, which a compiled program
transposes on the host (not timed: bench_batched passes V^T).

usage: gen_batched.py QUANTC_OPT OUTDIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_kernels import compile_cubin  # noqa: E402

# (name, layout, B, M, N, K): attention with 32 heads of 128, sequences of
# 128 and 512 (prefill) and one decode token over a 2048-token KV cache.
CASES = [
    ("qk128", "NT", 32, 128, 128, 128),
    ("pv128", "NN", 32, 128, 128, 128),
    ("qk512", "NT", 32, 512, 512, 128),
    ("pv512", "NN", 32, 512, 128, 512),
    ("qk_decode", "NT", 32, 1, 2048, 128),
    ("pv_decode", "NN", 32, 1, 128, 2048),
]
CHIPS = {"mma": "sm_90", "wgmma": "sm_90a"}

PROGRAM = """func.func @gemm(%a: tensor<{b}x{m}x{k}xi8>, %w: tensor<{b}x{n}x{k}xi8>) -> tensor<{b}x{m}x{n}xi32> {{
  %acc = quantc.matmul %a, %w : tensor<{b}x{m}x{k}xi8>, tensor<{b}x{n}x{k}xi8> -> tensor<{b}x{m}x{n}xi32>
  return %acc : tensor<{b}x{m}x{n}xi32>
}}
"""


def compile_one(opt, outdir, label, layout, b, m, n, k, chip):
    """One batched GEMM kernel: its bench_batched manifest line, or None."""
    src = PROGRAM.format(b=b, m=m, n=n, k=k)
    got = compile_cubin(opt, src, f"chip={chip}", outdir, label)
    if not got:
        return None
    launch, ir = got
    # The padded rows: the wrapper's first argument, memref<B x Mp x K x i8>.
    mp = re.search(r"@__quantc_launch_\w+\(memref<%dx(\d+)x%dxi8>" % (b, k),
                   ir).group(1)
    return (f"{label} {layout} {b} {m} {mp} {n} {k} {launch['grid'][0]} "
            f"{launch['grid'][2]} {launch['block']} {launch['smem']} "
            f"{label}.cubin {launch['kernel']}")


def main():
    opt, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for name, layout, b, m, n, k in CASES:
        for kname, chip in CHIPS.items():
            label = f"{name}_{b}x{m}x{n}x{k}_{kname}"
            line = compile_one(opt, outdir, label, layout, b, m, n, k, chip)
            if line:
                lines.append(line)
                print(line)
    with open(os.path.join(outdir, "manifest_batched.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
