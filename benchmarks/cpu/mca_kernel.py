#!/usr/bin/env python3
"""Static throughput of quantc's GEMM inner loop under llvm-mca's models of
CPUs this machine may not have (AVX-512 VNNI parts, for instance).

Compiles one GEMM with --quantc-cpu-pipeline=cpu=<CPU>, runs llc for each
-mcpu, takes the K loop (the innermost loop with the most multiply-add
instructions: vpdpbusd or vpmaddwd), and asks llvm-mca for its cycles per
iteration. The bound is llvm-mca's reciprocal throughput of the
multiply-adds alone (their execution resources, no dependencies): the
ratio says how close the loop comes to the model's multiply-add throughput
(100 %: nothing else in the loop costs time). A model is not a machine:
these are predictions, to be confirmed by benchmarks/cpu on the CPU itself.

Usage: mca_kernel.py [--cpu vnni|avx2] [--opts "vnni-mr=6 ..."] MCPU...
Environment: QUANTC_OPT (default quantc-opt), LLVM_BIN (/usr/lib/llvm-22/bin).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

GEMM = """
func.func @gemm(%x: tensor<48x1024xi8>, %xs: tensor<48x1xf32>) -> tensor<48x256xf32> {
  %w = arith.constant dense<3> : tensor<256x1024xi8>
  %ws = arith.constant dense<0.5> : tensor<1x256xf32>
  %acc = quantc.matmul %x, %w : tensor<48x1024xi8>, tensor<256x1024xi8> -> tensor<48x256xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<48x256xi32>, tensor<48x1xf32>, tensor<1x256xf32>) -> tensor<48x256xf32>
  return %y : tensor<48x256xf32>
}
"""
MAC = re.compile(r"^\s*(vpdpbusd|vpmaddwd)\b")


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return r.stdout


def k_loop(asm):
    """The innermost loop body with the most multiply-adds (branches cut)."""
    best, cur, inside = [], [], False
    for line in asm.splitlines() + [".end:"]:
        is_label = re.match(r"^\.?[A-Za-z0-9_$.]+:", line) or \
            line.startswith("# %bb.")
        if is_label:
            if inside and sum(bool(MAC.match(l)) for l in cur) > \
                    sum(bool(MAC.match(l)) for l in best):
                best = cur
            inside = "Inner Loop Header" in line
            cur = []
            continue
        if "Inner Loop Header" in line:  # on the label's comment lines
            inside = True
        if inside and line.strip() and not line.strip().startswith(("#", ".")) \
                and not re.match(r"^\s*j[a-z]+\s", line):
            cur.append(line)
    return best


def mca_cycles(llvm, mcpu, lines, iterations=400, throughput_only=False):
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    out = run([f"{llvm}/llvm-mca", f"-mcpu={mcpu}",
               f"-iterations={iterations}", f.name])
    os.unlink(f.name)
    if throughput_only:  # resources alone, no dependencies
        return float(re.search(r"Block RThroughput:\s+([0-9.]+)", out).group(1))
    total = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    return total / iterations


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpu", default="vnni")
    ap.add_argument("--opts", default="")
    ap.add_argument("mcpus", nargs="+")
    a = ap.parse_args()
    llvm = os.environ.get("LLVM_BIN", "/usr/lib/llvm-22/bin")
    opt = os.environ.get("QUANTC_OPT", "quantc-opt")
    pipeline = f"--quantc-cpu-pipeline=cpu={a.cpu} {a.opts}".strip()
    llir = run([f"{llvm}/mlir-translate", "--mlir-to-llvmir"],
               run([opt, "-", pipeline], GEMM))
    print(f"{pipeline}: K loop of a 48x256x1024 GEMM under llvm-mca")
    for mcpu in a.mcpus:
        asm = run([f"{llvm}/llc", "-O3", f"-mcpu={mcpu}", "-o", "-"], llir)
        body = k_loop(asm)
        macs = [l for l in body if MAC.match(l)]
        if not macs:
            print(f"  {mcpu}: no multiply-add loop found")
            continue
        spills = sum("rsp" in l for l in body)
        cycles = mca_cycles(llvm, mcpu, body)
        bound = mca_cycles(llvm, mcpu, macs, throughput_only=True)
        print(f"  {mcpu:16s} {len(macs):3d} {MAC.match(macs[0]).group(1)} + "
              f"{len(body) - len(macs):3d} other per iteration "
              f"({spills} stack accesses): {cycles:6.1f} cycles, "
              f"multiply-add bound {bound:6.1f}: {100 * bound / cycles:5.1f} %")


if __name__ == "__main__":
    main()
